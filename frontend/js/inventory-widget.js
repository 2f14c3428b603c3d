// Stock status widget for product pages (GET /inventory/{productId}).
//
// Markup:
//   <div data-inventory-widget data-product-id="SKU-MUG-CERAMIC" data-api-key="<storefront key>"
//        data-add-to-cart="#add-to-cart" [data-warehouse-id="main"] [data-api-base="https://.../v1"]
//        [data-refresh-seconds="30"]></div>
//   <script type="module" src="js/inventory-widget.js"></script>
//
// Shows "In stock", "Low stock (Only N left!)" or "Out of stock" from the API's totals, a loading
// indicator while it asks, and "Stock status unavailable" when the API fails or does not know the
// product. The Add-to-cart button is disabled while loading, when out of stock and when unavailable.

import { ApiClient, apiBaseFromPage } from "./api-client.js";

export const STATES = Object.freeze({
  LOADING: "loading",
  IN_STOCK: "in-stock",
  LOW_STOCK: "low-stock",
  OUT_OF_STOCK: "out-of-stock",
  UNAVAILABLE: "unavailable",
});

const BY_STATUS = { IN_STOCK: STATES.IN_STOCK, LOW_STOCK: STATES.LOW_STOCK, OUT_OF_STOCK: STATES.OUT_OF_STOCK };

function label(state, available) {
  switch (state) {
    case STATES.IN_STOCK:
      return "In stock";
    case STATES.LOW_STOCK:
      return `Low stock (Only ${available} left!)`;
    case STATES.OUT_OF_STOCK:
      return "Out of stock";
    case STATES.LOADING:
      return "Checking stock…";
    default:
      return "Stock status unavailable";
  }
}

/** What a GET /inventory/{id} answer means for a shopper. Pure, so pages can reuse it. */
export function describeStock(view) {
  const totals = view && view.totals;
  const state = totals ? BY_STATUS[totals.status] : undefined;
  const available = totals && Number.isInteger(totals.available) ? totals.available : null;
  if (!state || (state === STATES.LOW_STOCK && available === null)) {
    return { state: STATES.UNAVAILABLE, available: null, text: label(STATES.UNAVAILABLE) };
  }
  return { state, available, text: label(state, available) };
}

export class InventoryWidget {
  /**
   * @param {HTMLElement} element  where the status is shown
   * @param {object} options  productId, apiKey, baseUrl, warehouseId, addToCart (element or selector),
   *                          refreshSeconds (0 = no refresh), client (an ApiClient, for reuse)
   */
  constructor(element, options = {}) {
    this.element = element;
    this.productId = options.productId;
    this.warehouseId = options.warehouseId || undefined;
    this.refreshSeconds = Number(options.refreshSeconds) || 0;
    this.client = options.client || new ApiClient({ baseUrl: options.baseUrl || "", apiKey: options.apiKey || "" });
    const button = options.addToCart;
    this.addToCart = typeof button === "string" ? document.querySelector(button) : button || null;
    this.sequence = 0;
    this.timer = null;
    this.render();
  }

  render() {
    this.element.classList.add("inventory-widget");
    this.element.setAttribute("role", "status");
    this.element.setAttribute("aria-live", "polite");
    this.indicator = document.createElement("span");
    this.indicator.className = "inventory-widget__indicator";
    this.indicator.setAttribute("aria-hidden", "true");
    this.text = document.createElement("span");
    this.text.className = "inventory-widget__text";
    this.element.replaceChildren(this.indicator, this.text);
  }

  show(state, text) {
    this.element.dataset.state = state;
    this.element.setAttribute("aria-busy", String(state === STATES.LOADING));
    this.text.textContent = text;
    if (this.addToCart) {
      const sellable = state === STATES.IN_STOCK || state === STATES.LOW_STOCK;
      this.addToCart.disabled = !sellable;
      this.addToCart.title = sellable ? "" : state === STATES.LOADING ? "Checking stock…" : text;
    }
  }

  /** Fetches and shows the current stock; a slower, older answer never overwrites a newer one. */
  async refresh() {
    const mine = ++this.sequence;
    if (!this.element.dataset.state || this.element.dataset.state === STATES.UNAVAILABLE) {
      this.show(STATES.LOADING, label(STATES.LOADING));
    }
    let shown;
    if (!this.productId) {
      shown = describeStock(null);
    } else {
      try {
        shown = describeStock(await this.client.getInventory(this.productId, { warehouseId: this.warehouseId }));
      } catch (error) {
        shown = describeStock(null);
        this.element.dataset.error = error.code || "ERROR";
      }
    }
    if (mine !== this.sequence) return shown;
    if (shown.state !== STATES.UNAVAILABLE) delete this.element.dataset.error;
    this.element.dataset.available = shown.available ?? "";
    this.show(shown.state, shown.text);
    return shown;
  }

  start() {
    const loaded = this.refresh();
    if (this.refreshSeconds > 0 && !this.timer) {
      this.timer = setInterval(() => {
        if (!document.hidden) this.refresh();
      }, this.refreshSeconds * 1000);
      // A shopper coming back to the tab sees current stock, not what it was when they left.
      this.onVisible = () => {
        if (!document.hidden) this.refresh();
      };
      document.addEventListener("visibilitychange", this.onVisible);
    }
    return loaded;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    if (this.onVisible) document.removeEventListener("visibilitychange", this.onVisible);
    this.onVisible = null;
  }
}

/** Creates and starts a widget from an element's data attributes. */
export function mountInventoryWidget(element, overrides = {}) {
  const data = element.dataset;
  const widget = new InventoryWidget(element, {
    productId: data.productId,
    apiKey: data.apiKey,
    baseUrl: data.apiBase ?? apiBaseFromPage(document),
    warehouseId: data.warehouseId,
    addToCart: data.addToCart,
    refreshSeconds: data.refreshSeconds,
    ...overrides,
  });
  element.inventoryWidget = widget;
  widget.start();
  return widget;
}

/** Mounts every `[data-inventory-widget]` element that has a product id and is not mounted yet. */
export function mountAll(root = document) {
  return [...root.querySelectorAll("[data-inventory-widget]")]
    .filter((element) => !element.inventoryWidget && element.dataset.productId !== undefined)
    .map((element) => mountInventoryWidget(element));
}

// As a module on the pages, mount at once; the one-file bundle (embed.js) mounts once it knows the API.
if (typeof document !== "undefined" && !globalThis.INVENTORY_WIDGET_BUNDLE) {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => mountAll());
  } else {
    mountAll();
  }
}
