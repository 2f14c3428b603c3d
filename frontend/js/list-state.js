// The admin list's sorting and the filters kept in the page address. Pure (no DOM).

const STATUS_RANK = { OUT_OF_STOCK: 0, LOW_STOCK: 1, IN_STOCK: 2 };
export const SORT_KEYS = ["status", "available"];

/** "status" | "-status" | "available" | "-available" | "" -> {key, descending} (key null: as listed). */
export function parseSort(value) {
  const text = String(value || "");
  const descending = text.startsWith("-");
  const key = descending ? text.slice(1) : text;
  return SORT_KEYS.includes(key) ? { key, descending } : { key: null, descending: false };
}

export function sortParam({ key, descending }) {
  return key ? `${descending ? "-" : ""}${key}` : "";
}

/** The next sort when a column heading is clicked: ascending first, then descending. */
export function toggleSort(current, key) {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: false };
}

/**
 * Stock records sorted by status (most urgent first: out of stock, low, in stock) or by available
 * units, ties broken by product and warehouse so the order is stable. Returns a new array.
 */
export function sortRecords(records, sort) {
  if (!sort || !sort.key) return [...records];
  const value = (r) => (sort.key === "status" ? (STATUS_RANK[r.status] ?? 3) : Number(r.available));
  const sign = sort.descending ? -1 : 1;
  return [...records].sort(
    (a, b) =>
      sign * (value(a) - value(b)) ||
      String(a.product_id).localeCompare(String(b.product_id)) ||
      String(a.warehouse_id).localeCompare(String(b.warehouse_id)),
  );
}

const FILTERS = { category: "category", status: "status", warehouse: "warehouseId" };

/** The list's filters, sort and shown product from a query string ("?status=LOW_STOCK&sort=-available"). */
export function stateFromQuery(search) {
  const params = new URLSearchParams(search);
  const state = { category: "", status: "", warehouseId: "", sort: parseSort(params.get("sort")), product: "" };
  for (const [param, field] of Object.entries(FILTERS)) state[field] = (params.get(param) || "").trim();
  state.product = (params.get("product") || "").trim();
  return state;
}

/** The query string for a state; empty values are left out, so a clean list has a clean address. */
export function queryFromState(state) {
  const params = new URLSearchParams();
  if (state.product) params.set("product", state.product);
  for (const [param, field] of Object.entries(FILTERS)) if (state[field]) params.set(param, state[field]);
  const sort = sortParam(state.sort || {});
  if (sort) params.set("sort", sort);
  const text = params.toString();
  return text ? `?${text}` : "";
}
