// The admin list's sorting and its filters in the address.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { parseSort, queryFromState, sortRecords, stateFromQuery, toggleSort } from "../../frontend/js/list-state.js";

const r = (product_id, status, available, warehouse_id = "main") => ({ product_id, warehouse_id, status, available });

describe("sortRecords", () => {
  const records = [r("B", "IN_STOCK", 40), r("A", "LOW_STOCK", 2), r("C", "OUT_OF_STOCK", 0), r("D", "LOW_STOCK", 1)];
  it("puts the most urgent status first, ties by product", () => {
    const sorted = sortRecords(records, { key: "status", descending: false }).map((x) => x.product_id);
    assert.deepEqual(sorted, ["C", "A", "D", "B"]);
  });
  it("sorts by available units either way", () => {
    assert.deepEqual(
      sortRecords(records, { key: "available", descending: false }).map((x) => x.available),
      [0, 1, 2, 40],
    );
    assert.deepEqual(
      sortRecords(records, { key: "available", descending: true }).map((x) => x.available),
      [40, 2, 1, 0],
    );
  });
  it("keeps the listed order without a sort, and never changes its input", () => {
    const before = records.map((x) => x.product_id);
    assert.deepEqual(
      sortRecords(records, { key: null }).map((x) => x.product_id),
      before,
    );
    sortRecords(records, { key: "status" });
    assert.deepEqual(
      records.map((x) => x.product_id),
      before,
    );
  });
});

describe("sort toggling and parsing", () => {
  it("toggles ascending then descending on the same column, ascending on a new one", () => {
    const first = toggleSort({ key: null, descending: false }, "available");
    assert.deepEqual(first, { key: "available", descending: false });
    assert.deepEqual(toggleSort(first, "available"), { key: "available", descending: true });
    assert.deepEqual(toggleSort({ key: "available", descending: true }, "status"), {
      key: "status",
      descending: false,
    });
  });
  it("ignores a sort it does not know", () => {
    assert.deepEqual(parseSort("-price"), { key: null, descending: false });
    assert.deepEqual(parseSort("-status"), { key: "status", descending: true });
  });
});

describe("filters in the address", () => {
  it("round-trips filters, sort and product", () => {
    const state = {
      category: "kitchen",
      status: "LOW_STOCK",
      warehouseId: "east",
      sort: { key: "available", descending: true },
      product: "SKU-1",
    };
    const query = queryFromState(state);
    assert.equal(query, "?product=SKU-1&category=kitchen&status=LOW_STOCK&warehouse=east&sort=-available");
    assert.deepEqual(stateFromQuery(query), state);
  });
  it("leaves empty values out", () => {
    assert.equal(queryFromState({ category: "", status: "", warehouseId: "", sort: { key: null }, product: "" }), "");
    assert.deepEqual(stateFromQuery("").sort, { key: null, descending: false });
  });
});
