// The cart: change a quantity or remove a line (the shop's server changes or releases the hold),
// watch the hold's countdown, and go on to checkout.
import { shopperMessage } from "/vendor/inventory/js/error-messages.js";
import { HoldBanner } from "./hold-banner.js";
import { showCartCount, say } from "./nav.js";
import { shop } from "./shop-api.js";

const body = document.querySelector("#cart-lines tbody");
const message = document.getElementById("cart-message");
const banner = new HoldBanner(document.getElementById("hold-status"), { onEnded: (cart) => render(cart) });

function row(line) {
  const tr = document.createElement("tr");
  tr.dataset.sku = line.sku;
  const name = document.createElement("td");
  const link = document.createElement("a");
  link.href = `/product.html?product=${encodeURIComponent(line.sku)}`;
  link.textContent = line.name || line.sku;
  name.append(link);
  const qty = document.createElement("td");
  const form = document.createElement("form");
  form.noValidate = true;
  const input = document.createElement("input");
  input.type = "number";
  input.min = "1";
  input.max = "99";
  input.value = String(line.quantity);
  input.setAttribute("aria-label", `Quantity of ${line.name || line.sku}`);
  const update = document.createElement("button");
  update.type = "submit";
  update.className = "button";
  update.textContent = "Update";
  form.append(input, " ", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const quantity = Number(input.value);
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > 99) {
      say(message, "Quantity must be a whole number from 0 to 99 (0 removes the line).", "error");
      input.focus();
      return;
    }
    change(() => shop.setQuantity(line.sku, quantity), `Now ${quantity} × ${line.name || line.sku}.`);
  });
  qty.append(form);
  const actions = document.createElement("td");
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button";
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove ${line.name || line.sku}`);
  remove.addEventListener("click", () => change(() => shop.remove(line.sku), `Removed ${line.name || line.sku}.`));
  actions.append(remove);
  tr.append(name, qty, actions);
  return tr;
}

function render(cart) {
  showCartCount(cart);
  banner.show(cart);
  body.replaceChildren(...cart.lines.map(row));
  document.getElementById("cart-lines").hidden = cart.lines.length === 0;
  const held = cart.hold && cart.hold.status === "HELD";
  document.getElementById("to-checkout").hidden = !(cart.lines.length && held);
}

async function change(request, done) {
  try {
    const cart = await request();
    render(cart);
    say(message, done, "ok");
  } catch (error) {
    say(message, shopperMessage(error), "error");
    if (error.cart) render(error.cart);
  }
}

shop
  .cart()
  .then(render, (error) => say(message, shopperMessage(error), "error"))
  .finally(() => {
    document.body.dataset.ready = "true";
  });
