// What shoppers and admins read about holds: the cart's hold line and the admin's summary.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { holdSummary, sourceLabel } from "../../frontend/js/admin-reservations.js";
import { holdStatus } from "../../frontend/js/hold-status.js";

const NOW = Date.parse("2026-12-02T10:00:00Z");
const cart = (hold, lines = [{ sku: "SKU-1", quantity: 2 }]) => ({ lines, units: 2, hold });

describe("holdStatus (the shopper's cart)", () => {
  it("counts down a held cart", () => {
    const status = holdStatus(cart({ status: "HELD", expires_at: "2026-12-02T10:04:59Z" }), NOW);
    assert.deepEqual(status, { state: "held", text: "2 items held for you for 4:59.", secondsLeft: 299 });
  });
  it("says the stock is being returned once the time is up, then that it went back on sale", () => {
    assert.equal(holdStatus(cart({ status: "HELD", expires_at: "2026-12-02T09:59:00Z" }), NOW).state, "expiring");
    const expired = holdStatus(cart({ status: "EXPIRED", expires_at: "2026-12-02T09:59:00Z" }), NOW);
    assert.equal(expired.state, "expired");
    assert.match(expired.text, /expired and the stock went back on sale/);
  });
  it("names the reason of a release", () => {
    const released = holdStatus(cart({ status: "RELEASED", reason: "stuck cart", expires_at: "x" }), NOW);
    assert.equal(released.text, "Your hold on 2 items was released (stuck cart). Update the cart to hold them again.");
  });
  it("knows an empty cart and lines that are not held", () => {
    assert.equal(holdStatus({ lines: [], hold: null }, NOW).state, "empty");
    assert.equal(holdStatus(cart(null), NOW).state, "unheld");
  });
});

describe("holdSummary (the admin's view)", () => {
  const hold = (quantity, source, expires_at) => ({ quantity, source, expires_at });
  it("adds up units by source and names the next expiry", () => {
    const text = holdSummary(
      [
        hold(3, "api", "2026-12-02T10:10:00Z"),
        hold(2, "sdk", "2026-12-02T10:05:00Z"),
        hold(1, "api", "2026-12-02T10:20:00Z"),
      ],
      { now: NOW },
    );
    assert.equal(text, "6 units held by 3 open holds (REST 4, SDK 2); the next expires in 5:00.");
  });
  it("says when nothing holds the stock", () => {
    assert.equal(holdSummary([], { now: NOW }), "No open holds: nothing is holding this stock.");
  });
  it("labels sources", () => {
    assert.deepEqual(["api", "sdk", "queue", undefined].map(sourceLabel), ["REST", "SDK", "queue", "unknown"]);
  });
});
