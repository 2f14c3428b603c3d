// The line that tells the shopper how long their cart is held, ticking every second. When the hold
// runs out it asks the shop until the service has released it, then calls `onEnded(cart)`.
import { holdStatus } from "/vendor/inventory/js/hold-status.js";
import { shop } from "./shop-api.js";

const POLL_MS = 1000;
const POLL_FOR_MS = 60_000;

export class HoldBanner {
  constructor(element, { onEnded } = {}) {
    this.element = element;
    this.onEnded = onEnded;
    this.cart = null;
    this.timer = null;
    this.polling = false;
  }

  show(cart) {
    this.cart = cart;
    this.render();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.render(), 1000);
  }

  render() {
    const status = holdStatus(this.cart);
    this.element.dataset.state = status.state;
    this.element.textContent = status.text;
    this.element.hidden = status.state === "empty";
    if (status.state === "expiring") this.waitForRelease();
    if (status.state === "expired" || status.state === "released" || status.state === "empty") {
      clearInterval(this.timer);
    }
  }

  async waitForRelease() {
    if (this.polling) return;
    this.polling = true;
    const deadline = Date.now() + POLL_FOR_MS;
    try {
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        let cart;
        try {
          cart = await shop.cart();
        } catch {
          continue;
        }
        const state = holdStatus(cart).state;
        if (state !== "expiring" && state !== "held") {
          this.show(cart);
          if (this.onEnded) this.onEnded(cart);
          return;
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
