// The admin panel: find a product's stock, set or adjust it safely, read its history, browse stock
// by category/status, and watch low-stock alerts. Every call goes through api-client.js.

import { ReservationsView } from "./admin-reservations.js";
import { AlertFeed } from "./alert-feed.js";
import { ApiClient, apiBaseFromPage } from "./api-client.js";
import { adminMessage } from "./error-messages.js";
import { queryFromState, sortRecords, stateFromQuery, toggleSort } from "./list-state.js";
import {
  badge,
  clearFieldErrors,
  el,
  formatTime,
  idProblem,
  say,
  setFieldError,
  signed,
  STATUS_LABELS,
  wholeNumber,
} from "./ui.js";

const KEY_STORAGE = "inventory.adminKey";
const $ = (id) => document.getElementById(id);

function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

const api = new ApiClient({ baseUrl: apiBaseFromPage(document), apiKey: storedKey() });
const alertFeed = new AlertFeed($("alert-feed"), { client: api, onSelectProduct: openProduct });

const reservations = new ReservationsView($("reservations"), {
  client: api,
  // A released hold gives its units back: the stock table shows them at once.
  onReleased: () => shown && loadProduct(shown.productId, { quiet: true }).catch(() => {}),
});
// The list's filters, its sort and the shown product, as kept in the page address.
const listState = stateFromQuery(window.location.search);

function keepInAddress() {
  history.replaceState(null, "", `${window.location.pathname}${queryFromState(listState)}`);
}

/** What the shown product looks like now: {productId, view, records: Map<warehouse_id, StockRecord>}. */
let shown = null;
let historyToken = null;
let browseQuery = null;

// -- errors -------------------------------------------------------------------------------------
function explain(error, productId, reservationId) {
  return adminMessage(error, { productId, reservationId });
}

/** Marks the inputs a 400 names; returns whether any field was matched. */
function markFields(error, inputsByField) {
  let matched = false;
  for (const { field, problem } of error.fields) {
    const input = inputsByField[field];
    if (input) {
      setFieldError(input, `${field}: ${problem}`);
      matched = true;
    }
  }
  return matched;
}

function requireKey(box) {
  if (api.apiKey) return true;
  say(box, "Enter the admin key first (top of the page).", "error");
  $("admin-key").focus();
  return false;
}

// -- key ----------------------------------------------------------------------------------------
function showKeyState() {
  $("key-status").textContent = api.apiKey
    ? "A key is set for this browser tab (kept in session storage, cleared when the tab closes)."
    : "No key set. Reading and changing stock needs an admin key.";
  $("forget-key").disabled = !api.apiKey;
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("admin-key").value.trim();
  if (!key) {
    $("key-status").textContent = "Admin API key: enter a key first.";
    $("admin-key").focus();
    return;
  }
  try {
    sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage may be disabled: the key still works until the page is reloaded.
  }
  api.apiKey = key;
  $("admin-key").value = "";
  showKeyState();
  alertFeed.refresh();
});

$("forget-key").addEventListener("click", () => {
  try {
    sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // nothing stored
  }
  api.apiKey = "";
  showKeyState();
  alertFeed.refresh();
});

// -- one product --------------------------------------------------------------------------------
function fillWarehouseSelect(select, records, selected) {
  const ids = [...records.keys()];
  select.replaceChildren(...ids.map((id) => el("option", { value: id }, id)));
  if (selected && records.has(selected)) select.value = selected;
}

function fillEditForm(record) {
  if (!record) return;
  $("edit-warehouse").value = record.warehouse_id;
  $("edit-stock-count").value = String(record.stock_count);
  $("edit-threshold").value = String(record.threshold_level);
  $("edit-version").textContent = String(record.version);
}

function renderProduct(view, { keepWarehouse, changedWarehouse } = {}) {
  const records = new Map(view.warehouses.map((record) => [record.warehouse_id, record]));
  shown = { productId: view.product_id, view, records };
  $("view-product-id").textContent = view.product_id;
  $("view-status").replaceWith(Object.assign(badge(view.totals.status), { id: "view-status" }));
  const t = view.totals;
  const categories = [...new Set(view.warehouses.map((r) => r.category).filter(Boolean))];
  $("view-totals").textContent =
    `Total: ${t.stock_count} on hand, ${t.reserved_count} reserved, ${t.available} available ` +
    `in ${view.warehouses.length} warehouse${view.warehouses.length === 1 ? "" : "s"}` +
    `${categories.length ? ` · category ${categories.join(", ")}` : ""}.`;
  const rows = view.warehouses.map((r) =>
    el(
      "tr",
      { dataset: { warehouse: r.warehouse_id }, className: r.warehouse_id === changedWarehouse ? "changed" : "" },
      el("th", { scope: "row" }, r.warehouse_id),
      el("td", { className: "num", dataset: { field: "stock_count" } }, r.stock_count),
      el("td", { className: "num", dataset: { field: "reserved_count" } }, r.reserved_count),
      el("td", { className: "num", dataset: { field: "available" } }, r.available),
      el("td", { className: "num", dataset: { field: "threshold_level" } }, r.threshold_level),
      el("td", {}, badge(r.status)),
      el("td", { className: "num", dataset: { field: "version" } }, r.version),
      el("td", {}, formatTime(r.last_updated)),
      el(
        "td",
        {},
        el(
          "button",
          {
            type: "button",
            className: "button button--small",
            ariaLabel: `Edit ${r.warehouse_id}`,
            onclick: () => {
              fillEditForm(shown.records.get(r.warehouse_id));
              $("adjust-warehouse").value = r.warehouse_id;
              $("edit-stock-count").focus();
            },
          },
          "Edit",
        ),
      ),
    ),
  );
  $("warehouse-table").tBodies[0].replaceChildren(...rows);
  const selected = keepWarehouse || $("edit-warehouse").value;
  fillWarehouseSelect($("edit-warehouse"), records, selected);
  fillWarehouseSelect($("adjust-warehouse"), records, keepWarehouse || $("adjust-warehouse").value);
  fillEditForm(records.get($("edit-warehouse").value));
  $("product-view").hidden = false;
}

let productRequests = 0;

/** Reads and shows a product; an answer to an older request never replaces a newer one (null then). */
async function loadProduct(productId, options = {}) {
  const mine = ++productRequests;
  let view;
  try {
    view = await api.getInventory(productId);
  } catch (error) {
    if (mine !== productRequests) return null;
    throw error;
  }
  if (mine !== productRequests) return null;
  renderProduct(view, options);
  if (!options.quiet) say($("product-message"), "", "info");
  return view;
}

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("search-product");
  const box = $("product-message");
  const productId = input.value.trim();
  const problem = idProblem(productId, "Product id");
  setFieldError(input, problem);
  if (problem || !requireKey(box)) return;
  say(box, `Loading ${productId}…`, "info");
  if (!shown || shown.productId !== productId) resetHistory();
  try {
    if (await loadProduct(productId)) {
      listState.product = productId;
      keepInAddress();
      await reservations.load(productId);
    }
  } catch (error) {
    $("product-view").hidden = true;
    shown = null;
    say(box, explain(error, productId), "error");
  }
});

/** Shows a product picked elsewhere on the page (browse list, alert feed); `section` is where to go. */
function openProduct(productId, section = "product-section") {
  $("search-product").value = productId;
  $("search-form").requestSubmit();
  $(section).scrollIntoView({ behavior: "smooth" });
}

/** The "what is holding my stock" view of a product: its holds, focused once they are listed. */
function openHolds(productId) {
  const heading = $("reservations-heading");
  const listed = new MutationObserver(() => {
    if (shown && shown.productId === productId && !$("product-view").hidden) {
      listed.disconnect();
      heading.focus();
    }
  });
  listed.observe($("reservations-summary"), { childList: true, characterData: true, subtree: true });
  openProduct(productId, "reservations");
}

$("edit-warehouse").addEventListener("change", () => {
  clearFieldErrors($("edit-form"));
  fillEditForm(shown?.records.get($("edit-warehouse").value));
});

// -- set stock (optimistic concurrency) ---------------------------------------------------------
$("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const box = $("edit-message");
  clearFieldErrors(form);
  say(box, "", "info");
  if (!shown || !requireKey(box)) return;
  const record = shown.records.get($("edit-warehouse").value);
  const stock = wholeNumber($("edit-stock-count"), "Stock count", { min: 0 });
  const threshold = wholeNumber($("edit-threshold"), "Low-stock threshold", { min: 0 });
  setFieldError($("edit-stock-count"), stock.problem);
  setFieldError($("edit-threshold"), threshold.problem);
  if (stock.problem || threshold.problem) {
    say(box, stock.problem || threshold.problem, "error");
    return;
  }
  if (stock.value < record.reserved_count) {
    const problem = `Stock count must be at least ${record.reserved_count}, the units reserved by open orders.`;
    setFieldError($("edit-stock-count"), problem);
    say(box, problem, "error");
    return;
  }
  const productId = shown.productId;
  try {
    const saved = await api.updateInventory(productId, {
      warehouseId: record.warehouse_id,
      stockCount: stock.value,
      thresholdLevel: threshold.value,
      expectedVersion: record.version,
    });
    await loadProduct(productId, { keepWarehouse: saved.warehouse_id, changedWarehouse: saved.warehouse_id });
    say(
      box,
      `Saved: ${saved.warehouse_id} now has ${saved.stock_count} on hand, threshold ${saved.threshold_level} ` +
        `(version ${saved.version}).`,
      "ok",
    );
  } catch (error) {
    const current = error.current;
    if (current) {
      shown.records.set(current.warehouse_id, current);
      fillEditForm(current);
      say(
        box,
        `Not saved: this stock record was changed by someone else, so the form was refreshed with the current ` +
          `values (${current.stock_count} on hand, threshold ${current.threshold_level}, ` +
          `version ${current.version}). ` +
          "Check them and save again.",
        "warn",
      );
      const where = current.warehouse_id;
      // The table catches up too; the form then shows the freshest record, should it have moved again.
      loadProduct(productId, { keepWarehouse: where, changedWarehouse: where, quiet: true }).catch(() => {});
      return;
    }
    const matched = markFields(error, { stock_count: $("edit-stock-count"), threshold_level: $("edit-threshold") });
    if (error.code === "STOCK_BELOW_RESERVED" && !matched) setFieldError($("edit-stock-count"), error.message);
    say(box, explain(error, productId), "error");
  }
});

// -- adjustments --------------------------------------------------------------------------------
$("adjust-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const box = $("adjust-message");
  clearFieldErrors(form);
  say(box, "", "info");
  if (!shown || !requireKey(box)) return;
  const delta = wholeNumber($("adjust-delta"), "Change", { allowZero: false });
  const reason = $("adjust-reason").value.trim();
  const reference = $("adjust-reference").value.trim();
  const reasonProblem = reason ? "" : "Reason is required (e.g. shipment received, damaged, recount).";
  const referenceProblem = idProblem(reference, "Reference", { required: false });
  setFieldError($("adjust-delta"), delta.problem);
  setFieldError($("adjust-reason"), reasonProblem);
  setFieldError($("adjust-reference"), referenceProblem);
  const firstProblem = delta.problem || reasonProblem || referenceProblem;
  if (firstProblem) {
    say(box, firstProblem, "error");
    return;
  }
  const productId = shown.productId;
  const warehouseId = $("adjust-warehouse").value;
  try {
    const saved = await api.adjustInventory(productId, {
      warehouseId,
      delta: delta.value,
      reason,
      reference: reference || undefined,
    });
    form.reset();
    await loadProduct(productId, { keepWarehouse: warehouseId, changedWarehouse: warehouseId });
    say(
      box,
      `Adjusted ${warehouseId} by ${signed(delta.value)}: now ${saved.stock_count} on hand (version ${saved.version}).`,
      "ok",
    );
    if (!$("history-table").hidden) loadHistory({ reset: true });
  } catch (error) {
    markFields(error, {
      delta: $("adjust-delta"),
      reason: $("adjust-reason"),
      reference: $("adjust-reference"),
    });
    if (error.code === "STOCK_BELOW_RESERVED" || error.code === "INSUFFICIENT_STOCK") {
      setFieldError($("adjust-delta"), error.message);
    }
    say(box, explain(error, productId), "error");
  }
});

// -- history ------------------------------------------------------------------------------------
function resetHistory() {
  historyToken = null;
  $("history-table").hidden = true;
  $("history-table").tBodies[0].replaceChildren();
  $("history-more").hidden = true;
  say($("history-message"), "", "info");
}

// Admin changes carry before/after; reservation movements (written without reading the record)
// carry only their delta.
function countsCell(movement, field) {
  const before = movement.before?.[field];
  const after = movement.after?.[field];
  if (before === undefined || after === undefined) {
    const delta = movement.delta?.[field];
    return delta ? signed(delta) : "–";
  }
  return before === after ? String(after) : `${before} → ${after} (${signed(after - before)})`;
}

async function loadHistory({ reset = false } = {}) {
  const box = $("history-message");
  if (!shown || !requireKey(box)) return;
  if (reset) historyToken = null;
  const productId = shown.productId;
  try {
    const page = await api.getHistory(productId, { limit: 20, nextToken: historyToken || undefined });
    const rows = (page.movements || []).map((m) =>
      el(
        "tr",
        {},
        el("td", {}, formatTime(m.at)),
        el("td", {}, m.warehouse_id),
        el("td", {}, m.kind),
        el("td", { className: "num" }, countsCell(m, "stock_count")),
        el("td", { className: "num" }, countsCell(m, "reserved_count")),
        el("td", { className: "wrap" }, m.reason || "–"),
        el("td", {}, m.reference || "–"),
        el("td", {}, m.actor || "–"),
      ),
    );
    const body = $("history-table").tBodies[0];
    if (reset || !historyToken) body.replaceChildren(...rows);
    else body.append(...rows);
    historyToken = page.next_token || null;
    $("history-table").hidden = false;
    $("history-more").hidden = !historyToken;
    say(box, body.rows.length ? "" : "No movements recorded yet.", "info");
  } catch (error) {
    say(box, explain(error, productId), "error");
  }
}

$("history-load").addEventListener("click", () => loadHistory({ reset: true }));
$("history-more").addEventListener("click", () => loadHistory());

// -- browse -------------------------------------------------------------------------------------
function browseRow(r) {
  return el(
    "tr",
    { dataset: { product: r.product_id, warehouse: r.warehouse_id } },
    el(
      "td",
      {},
      el(
        "button",
        {
          type: "button",
          className: "link-button",
          title: `Show ${r.product_id}`,
          onclick: () => openProduct(r.product_id),
        },
        r.product_id,
      ),
    ),
    el("td", {}, r.warehouse_id),
    el("td", {}, r.category || "–"),
    el("td", { className: "num" }, r.stock_count),
    el("td", { className: "num" }, r.reserved_count),
    el("td", { className: "num" }, r.available),
    el("td", { className: "num" }, r.threshold_level),
    el("td", {}, badge(r.status)),
    el(
      "td",
      {},
      r.status !== "IN_STOCK" || r.reserved_count > 0
        ? el(
            "button",
            {
              type: "button",
              className: "button button--small",
              onclick: () => openHolds(r.product_id),
            },
            "What is holding it?",
          )
        : null,
    ),
  );
}

let browseRecords = [];

function renderBrowse() {
  const sorted = sortRecords(browseRecords, listState.sort);
  $("browse-table").tBodies[0].replaceChildren(...sorted.map(browseRow));
  for (const th of $("browse-table").querySelectorAll("th[data-sort-key]")) {
    const active = listState.sort.key === th.dataset.sortKey;
    th.setAttribute("aria-sort", active ? (listState.sort.descending ? "descending" : "ascending") : "none");
  }
}

for (const button of document.querySelectorAll("#browse-table .sort-button")) {
  button.addEventListener("click", () => {
    listState.sort = toggleSort(listState.sort, button.dataset.sort);
    keepInAddress();
    renderBrowse();
  });
}

async function loadBrowse({ more = false } = {}) {
  const box = $("browse-message");
  if (!requireKey(box)) return;
  try {
    const nextToken = more ? browseQuery.nextToken : undefined;
    const page = await api.listInventory({ ...browseQuery, limit: 25, nextToken });
    const body = $("browse-table").tBodies[0];
    browseRecords = more ? [...browseRecords, ...(page.items || [])] : page.items || [];
    renderBrowse();
    browseQuery.nextToken = page.next_token || null;
    $("browse-table").hidden = body.rows.length === 0;
    $("browse-more").hidden = !browseQuery.nextToken;
    const filters = [
      browseQuery.category && `category ${browseQuery.category}`,
      browseQuery.status && STATUS_LABELS[browseQuery.status],
      browseQuery.warehouseId && `warehouse ${browseQuery.warehouseId}`,
    ].filter(Boolean);
    const count = body.rows.length;
    const summary =
      `${count} record${count === 1 ? "" : "s"}` +
      `${filters.length ? ` (${filters.join(", ")})` : ""}` +
      `${browseQuery.nextToken ? ", more available" : ""}.`;
    say(box, count ? summary : "No stock records match.", "info");
  } catch (error) {
    markFields(error, { category: $("browse-category"), warehouse_id: $("browse-warehouse") });
    say(box, explain(error, ""), "error");
  }
}

$("browse-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearFieldErrors(event.currentTarget);
  const category = $("browse-category").value.trim();
  const warehouseId = $("browse-warehouse").value.trim();
  const categoryProblem = category.length > 128 ? "Category must be at most 128 characters." : "";
  const warehouseProblem = idProblem(warehouseId, "Warehouse", { required: false });
  setFieldError($("browse-category"), categoryProblem);
  setFieldError($("browse-warehouse"), warehouseProblem);
  if (categoryProblem || warehouseProblem) {
    say($("browse-message"), categoryProblem || warehouseProblem, "error");
    return;
  }
  browseQuery = { category, status: $("browse-status").value, warehouseId, nextToken: null };
  Object.assign(listState, { category, status: browseQuery.status, warehouseId });
  keepInAddress();
  loadBrowse();
});
$("browse-more").addEventListener("click", () => loadBrowse({ more: true }));

// -- start --------------------------------------------------------------------------------------
showKeyState();
alertFeed.start();
// A link or a reload shows the same list and product the address names.
$("browse-category").value = listState.category;
$("browse-status").value = listState.status;
$("browse-warehouse").value = listState.warehouseId;
if (api.apiKey && (listState.category || listState.status || listState.warehouseId || listState.sort.key)) {
  $("browse-form").requestSubmit();
}
if (api.apiKey && listState.product) {
  $("search-product").value = listState.product;
  $("search-form").requestSubmit();
}
document.body.dataset.ready = "true";
