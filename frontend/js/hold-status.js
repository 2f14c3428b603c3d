// What a shopper reads about the hold on their cart, for shops that hold carts with the service.
// Pure (no DOM).
import { formatCountdown, secondsLeft } from "./countdown.js";

/**
 * @param {{lines: Array, units: number, hold: null | {status: string, expires_at: string, reason?: string}}} cart
 * @returns {{state: "empty"|"held"|"expiring"|"expired"|"released"|"unheld", text: string, secondsLeft: number|null}}
 */
export function holdStatus(cart, now = Date.now()) {
  if (!cart || !cart.lines || cart.lines.length === 0) {
    return { state: "empty", text: "Your cart is empty.", secondsLeft: null };
  }
  const units = cart.units ?? cart.lines.reduce((n, line) => n + line.quantity, 0);
  const what = `${units} item${units === 1 ? "" : "s"}`;
  const hold = cart.hold;
  if (!hold) return { state: "unheld", text: `${what} in your cart, not held: add them again.`, secondsLeft: null };
  if (hold.status === "EXPIRED") {
    return {
      state: "expired",
      text: `Your hold on ${what} expired and the stock went back on sale. Update the cart to hold them again.`,
      secondsLeft: 0,
    };
  }
  if (hold.status !== "HELD") {
    return {
      state: "released",
      text: `Your hold on ${what} was released${hold.reason ? ` (${hold.reason})` : ""}. Update the cart to hold them again.`,
      secondsLeft: 0,
    };
  }
  const left = secondsLeft(hold.expires_at, now);
  if (left === 0) {
    return { state: "expiring", text: `Your hold on ${what} has run out; returning the stock…`, secondsLeft: 0 };
  }
  return {
    state: "held",
    text: `${what} held for you for ${formatCountdown(left)}.`,
    secondsLeft: left,
  };
}
