// The header's cart link shows how many items the cart holds.
export function showCartCount(cart) {
  const link = document.getElementById("cart-link");
  if (!link) return;
  const units = cart && cart.units ? cart.units : 0;
  link.textContent = units ? `Cart (${units})` : "Cart";
}

/** Shows a message; kind is "info", "ok" or "error". */
export function say(box, text, kind = "info") {
  box.textContent = text || "";
  box.dataset.kind = kind;
}
