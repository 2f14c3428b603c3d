// The one-file stock widget for shop pages: this module, the widget and its styles, bundled by
// `make frontend` (frontend/build.mjs) into dist/inventory-widget.<hash>.js. The embed snippet
// (dist/embed-snippet.html) carries its Subresource Integrity hash:
//
//   <div data-inventory-widget data-product-id="SKU-MUG-CERAMIC"></div>
//   <script src="https://<FrontendUrl>/dist/inventory-widget.<hash>.js" integrity="sha384-…"
//           crossorigin="anonymous" async data-api-key="<storefront key>"></script>
//
// Works when a tag manager injects the script after the page loaded, and mounts widgets added
// later (single-page shops). The API's URL comes from config.json next to the bundle, written at
// deploy time (`make publish-frontend`); an element's own data-api-base wins; without either, the
// API is where the bundle came from (the local stack).

import css from "../css/inventory-widget.css";
import { mountInventoryWidget } from "./inventory-widget.js";

const script = document.currentScript;
const scriptUrl = new URL(script && script.src ? script.src : document.baseURI);
const defaults = script ? script.dataset : {};

function addStyles() {
  if (document.querySelector("style[data-inventory-widget-styles]")) return;
  const style = document.createElement("style");
  style.dataset.inventoryWidgetStyles = "";
  style.textContent = css;
  document.head.appendChild(style);
}

async function apiBase() {
  if (defaults.apiBase) return defaults.apiBase;
  try {
    const response = await fetch(new URL("config.json", scriptUrl), { credentials: "omit" });
    if (response.ok) {
      const config = await response.json();
      if (typeof config.apiBase === "string" && config.apiBase) return config.apiBase.replace(/\/$/, "");
    }
  } catch {
    // no config next to the bundle: the API is served from the bundle's origin
  }
  return scriptUrl.origin;
}

function mountWithin(root, base) {
  const found = root.matches && root.matches("[data-inventory-widget]") ? [root] : [];
  found.push(...(root.querySelectorAll ? root.querySelectorAll("[data-inventory-widget]") : []));
  for (const element of found) {
    if (element.inventoryWidget || element.dataset.productId === undefined) continue;
    mountInventoryWidget(element, {
      baseUrl: element.dataset.apiBase ?? base,
      apiKey: element.dataset.apiKey ?? defaults.apiKey ?? "",
    });
  }
}

function whenReady() {
  return document.readyState === "loading"
    ? new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }))
    : Promise.resolve();
}

async function start() {
  addStyles();
  const [base] = await Promise.all([apiBase(), whenReady()]);
  mountWithin(document, base);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node.nodeType === 1) mountWithin(node, base);
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
}

start();
