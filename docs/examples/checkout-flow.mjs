// A shop's checkout with the JavaScript client (frontend/js/api-client.js), in a browser or Node 18+.
// docs/integration.md walks through it:
//   node docs/examples/checkout-flow.mjs http://127.0.0.1:3000 local-storefront-key local-checkout-key SKU-MUG-CERAMIC
// The storefront key is the page's (public); the checkout key is the shop server's secret (holds, sales).
import { ApiClient, ApiError } from "../../frontend/js/api-client.js";

const RETRIED = new Set([429, 500, 502, 503, 504]); // safe to repeat: each write carries its idempotency key

/** One call with retries on throttling and transient errors (jittered backoff, Retry-After). */
async function withRetries(send, attempts = 5) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      const retry = error instanceof ApiError && (RETRIED.has(error.status) || error.status === 0);
      if (!retry || attempt === attempts - 1) throw error;
      const wait = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export async function checkout({ baseUrl, storefrontKey, checkoutKey, sku }) {
  const page = new ApiClient({ baseUrl, apiKey: storefrontKey });
  const api = new ApiClient({ baseUrl, apiKey: checkoutKey });
  const lines = [{ product_id: sku, quantity: 1 }];
  const report = {};
  // Product page: availability (the widget makes this same call)
  report.before = (await withRetries(() => page.getInventory(sku))).totals.available;
  // Add to cart and every cart change: check the whole cart, hold nothing
  report.cart = (await withRetries(() => page.checkAvailability([{ sku, quantity: 1 }]))).status;
  // Checkout start: hold every line; the cart id is the idempotency key (a repeat answers the same hold)
  const cartId = `cart-${Math.random().toString(16).slice(2, 14)}`;
  const hold = { reservation_id: cartId, items: lines, hold_seconds: 900 };
  report.held = (await withRetries(() => api.request("POST", "/reservations", { body: hold }))).status;
  report.heldAgain = (await withRetries(() => api.request("POST", "/reservations", { body: hold }))).status;
  // Payment confirmed: sell the held units
  report.confirmed = (await withRetries(() => api.request("POST", `/reservations/${cartId}/confirm`))).status;
  // Order cancelled before payment: give the units back
  const other = `cart-${Math.random().toString(16).slice(2, 14)}`;
  await withRetries(() => api.request("POST", "/reservations", { body: { ...hold, reservation_id: other } }));
  await withRetries(() => api.request("DELETE", `/reservations/${other}`, { query: { reason: "cancelled" } }));
  report.released = (await api.request("GET", `/reservations/${other}`)).status;
  report.after = (await page.getInventory(sku)).totals.available;
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl, storefrontKey, checkoutKey, sku = "SKU-MUG-CERAMIC"] = process.argv.slice(2);
  console.log(JSON.stringify(await checkout({ baseUrl, storefrontKey, checkoutKey, sku }), null, 2));
}
