// The shop's own server API (same origin): the cart and the checkout. The checkout key stays there.

export class ShopError extends Error {
  constructor({ status, code, message, details, cart }) {
    super(message);
    this.name = "ShopError";
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.cart = cart || null;
  }
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (cause) {
    throw new ShopError({ status: 0, code: "NETWORK_ERROR", message: String(cause.message || cause) });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ShopError({
      status: response.status,
      code: error.code || `HTTP_${response.status}`,
      message: error.message || response.statusText,
      details: error.details,
      cart: data && data.cart,
    });
  }
  return data;
}

export const shop = {
  cart: () => call("GET", "/api/cart").then((d) => d.cart),
  add: (sku, quantity) => call("POST", "/api/cart/lines", { sku, quantity }).then((d) => d.cart),
  setQuantity: (sku, quantity) =>
    call("PUT", `/api/cart/lines/${encodeURIComponent(sku)}`, { quantity }).then((d) => d.cart),
  remove: (sku) => call("DELETE", `/api/cart/lines/${encodeURIComponent(sku)}`).then((d) => d.cart),
  placeOrder: () => call("POST", "/api/checkout", {}),
};
