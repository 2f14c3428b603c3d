// The shop's front page: the catalogue, read from the inventory service with the storefront key.
import { ApiClient, apiBaseFromPage } from "/vendor/inventory/js/api-client.js";
import { showCartCount, say } from "./nav.js";
import { shop } from "./shop-api.js";

const list = document.getElementById("catalogue");
const api = new ApiClient({ baseUrl: apiBaseFromPage(document), apiKey: list.dataset.apiKey });

function item(product) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = `/product.html?product=${encodeURIComponent(product.sku)}`;
  link.textContent = product.name || product.sku;
  const sku = document.createElement("p");
  sku.className = "muted";
  sku.textContent = product.sku;
  li.append(link, sku);
  return li;
}

async function start() {
  shop.cart().then(showCartCount, () => {});
  try {
    const page = await api.listProducts({ limit: 24 });
    list.replaceChildren(...(page.items || []).map(item));
    say(document.getElementById("catalogue-message"), page.items?.length ? "" : "No products yet.");
  } catch (error) {
    say(document.getElementById("catalogue-message"), `The catalogue could not be loaded (${error.message}).`, "error");
  }
  document.body.dataset.ready = "true";
}
start();
