// The product page: live stock (the service's widget, storefront key), and "Add to cart", which
// asks the shop's server to hold the units (it holds the checkout key).
import { ApiClient, apiBaseFromPage } from "/vendor/inventory/js/api-client.js";
import { shopperMessage } from "/vendor/inventory/js/error-messages.js";
import { mountInventoryWidget } from "/vendor/inventory/js/inventory-widget.js";
import { HoldBanner } from "./hold-banner.js";
import { showCartCount, say } from "./nav.js";
import { shop } from "./shop-api.js";

const productId = (new URLSearchParams(window.location.search).get("product") || "").trim();
const widgetElement = document.getElementById("stock-status");
const message = document.getElementById("cart-message");
document.getElementById("product-sku").textContent = productId || "none";
document.getElementById("product-name").textContent = productId || "No product chosen";

const widget = mountInventoryWidget(widgetElement, { productId });
const banner = new HoldBanner(document.getElementById("hold-status"), {
  // The hold ran out: the units are back on sale, so the stock line shows them again.
  onEnded: (cart) => {
    showCartCount(cart);
    widget.refresh();
  },
});

function showCart(cart) {
  showCartCount(cart);
  banner.show(cart);
}

async function showProduct() {
  if (!productId) return;
  const api = new ApiClient({ baseUrl: apiBaseFromPage(document), apiKey: widgetElement.dataset.apiKey });
  try {
    const product = await api.getProduct(productId);
    if (product.name) {
      document.getElementById("product-name").textContent = product.name;
      document.title = `${product.name} · Demo shop`;
    }
    document.getElementById("product-description").textContent = product.description || "";
  } catch {
    // Not in the catalogue: the page still sells it by SKU.
  }
}

document.getElementById("cart-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("quantity");
  const quantity = Number(input.value);
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 99) {
    input.setAttribute("aria-invalid", "true");
    say(message, "Quantity must be a whole number from 1 to 99.", "error");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  const button = document.getElementById("add-to-cart");
  button.disabled = true;
  say(message, "Holding it for you…");
  try {
    const cart = await shop.add(productId, quantity);
    const line = cart.lines.find((l) => l.sku === productId);
    say(message, `Added: ${line ? line.quantity : quantity} × ${line ? line.name : productId} in your cart.`, "ok");
    showCart(cart);
  } catch (error) {
    say(message, shopperMessage(error), "error");
    if (error.cart) showCart(error.cart);
  } finally {
    await widget.refresh();
  }
});

showProduct();
shop.cart().then(showCart, () => {});
// Back on the tab: the hold may have ended meanwhile (expired, or released by the shop's staff).
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) shop.cart().then(showCart, () => {});
});
document.body.dataset.ready = "true";
