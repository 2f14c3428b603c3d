// Checkout: "Place order" asks the shop's server to confirm the cart's hold; the units are sold.
import { shopperMessage } from "/vendor/inventory/js/error-messages.js";
import { HoldBanner } from "./hold-banner.js";
import { showCartCount, say } from "./nav.js";
import { shop } from "./shop-api.js";

const message = document.getElementById("checkout-message");
const button = document.getElementById("place-order");
const banner = new HoldBanner(document.getElementById("hold-status"), { onEnded: (cart) => render(cart) });

function lineItem(line) {
  const li = document.createElement("li");
  li.textContent = `${line.quantity} × ${line.name || line.sku || line.product_id}`;
  return li;
}

function render(cart) {
  showCartCount(cart);
  banner.show(cart);
  document.getElementById("summary").replaceChildren(...cart.lines.map(lineItem));
  button.disabled = !(cart.lines.length && cart.hold && cart.hold.status === "HELD");
  if (!cart.lines.length) say(message, "Your cart is empty.");
}

button.addEventListener("click", async () => {
  button.disabled = true;
  say(message, "Placing your order…");
  try {
    const { order, cart } = await shop.placeOrder();
    showCartCount(cart);
    document.getElementById("checkout").hidden = true;
    document.getElementById("order-id").textContent = order.order_id;
    document.getElementById("order-lines").replaceChildren(...order.lines.map(lineItem));
    document.getElementById("order-done").hidden = false;
    document.getElementById("done-heading").focus();
  } catch (error) {
    say(message, shopperMessage(error), "error");
    if (error.cart) render(error.cart);
    else shop.cart().then(render, () => {});
  }
});

document.getElementById("done-heading").tabIndex = -1;
shop
  .cart()
  .then(render, (error) => say(message, shopperMessage(error), "error"))
  .finally(() => {
    document.body.dataset.ready = "true";
  });
