// The shopper's stock line from a GET /inventory/{productId} answer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { describeStock, STATES } from "../../frontend/js/inventory-widget.js";

const view = (totals) => ({ product_id: "SKU-1", warehouses: [], totals });

describe("describeStock", () => {
  it("says in stock without a number", () => {
    assert.deepEqual(describeStock(view({ status: "IN_STOCK", available: 40 })), {
      state: STATES.IN_STOCK,
      available: 40,
      text: "In stock",
    });
  });
  it("names how many are left when low", () => {
    const shown = describeStock(view({ status: "LOW_STOCK", available: 3 }));
    assert.equal(shown.state, STATES.LOW_STOCK);
    assert.equal(shown.text, "Low stock (Only 3 left!)");
  });
  it("says out of stock", () => {
    assert.equal(describeStock(view({ status: "OUT_OF_STOCK", available: 0 })).text, "Out of stock");
  });
  it("is unavailable for no answer, an unknown status or a low stock without a count", () => {
    for (const answer of [null, {}, view({ status: "SOMETHING" }), view({ status: "LOW_STOCK" })]) {
      const shown = describeStock(answer);
      assert.equal(shown.state, STATES.UNAVAILABLE);
      assert.equal(shown.text, "Stock status unavailable");
      assert.equal(shown.available, null);
    }
  });
});
