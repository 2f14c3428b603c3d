// The demo product page: picks the product from `?product=SKU-...` and mounts the stock widget.
import { ApiClient, apiBaseFromPage } from "./api-client.js";
import { mountInventoryWidget } from "./inventory-widget.js";

const params = new URLSearchParams(window.location.search);
const productId = (params.get("product") || "").trim();

document.getElementById("product-sku").textContent = productId || "none";
// A readable title from the SKU ("SKU-MUG-CERAMIC" -> "Mug Ceramic"); a real shop has its own catalogue.
function titleFrom(sku) {
  const words = sku
    .replace(/^SKU-/i, "")
    .replace(/[-_.:]+/g, " ")
    .toLowerCase();
  return words.replace(/\b\w/g, (c) => c.toUpperCase());
}

document.getElementById("product-name").textContent = productId ? titleFrom(productId) : "No product chosen";
document.title = `${productId || "No product"} · Demo shop`;

const widgetElement = document.getElementById("stock-status");
const widget = mountInventoryWidget(widgetElement, { productId });

// Name and description from the catalogue when it knows the product; the SKU-based title otherwise.
async function showCatalogueEntry() {
  if (!productId) return;
  const api = new ApiClient({ baseUrl: apiBaseFromPage(document), apiKey: widgetElement.dataset.apiKey });
  try {
    const product = await api.getProduct(productId);
    if (product && product.name) {
      document.getElementById("product-name").textContent = product.name;
      document.title = `${product.name} · Demo shop`;
    }
    if (product && product.description) {
      document.getElementById("product-description").textContent = product.description;
    }
  } catch {
    // Not in the catalogue (or no catalogue on this API): the page still works from the SKU.
  }
}
showCatalogueEntry();

document.getElementById("cart-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const quantity = Number(document.getElementById("quantity").value);
  const message = document.getElementById("cart-message");
  if (!Number.isInteger(quantity) || quantity < 1) {
    message.textContent = "Quantity must be a whole number of 1 or more.";
    return;
  }
  const available = Number(widget.element.dataset.available);
  if (Number.isInteger(available) && quantity > available) {
    message.textContent = `Only ${available} available.`;
    return;
  }
  message.textContent = `Added ${quantity} × ${productId} to the cart (this demo page has no real cart).`;
});
