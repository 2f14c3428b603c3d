// The admin panel's "What is holding this stock" section: a product's open holds (units, countdown,
// source, order id), its recently closed ones, one reservation's timeline, and release with a reason.

import { countdownText } from "./countdown.js";
import { adminMessage } from "./error-messages.js";
import { el, formatTime, say, setFieldError } from "./ui.js";

const SOURCES = { api: "REST", sdk: "SDK", queue: "queue" };
const PAGE = 50;

/** How a hold was placed, as an admin reads it: REST, SDK or queue. */
export function sourceLabel(source) {
  return SOURCES[source] || source || "unknown";
}

/** "5 units held by 2 open holds (REST 3, SDK 2); the next expires in 4:59." Pure. */
export function holdSummary(items, { more = false, now = Date.now() } = {}) {
  if (!items.length)
    return more
      ? "No open holds on this page; older ones may follow."
      : "No open holds: nothing is holding this stock.";
  const units = items.reduce((n, h) => n + h.quantity, 0);
  const bySource = new Map();
  for (const h of items) bySource.set(sourceLabel(h.source), (bySource.get(sourceLabel(h.source)) || 0) + h.quantity);
  const sources = [...bySource].map(([name, n]) => `${name} ${n}`).join(", ");
  const next = items.map((h) => h.expires_at).sort()[0];
  const holds = `${items.length}${more ? "+" : ""} open hold${items.length === 1 && !more ? "" : "s"}`;
  return `${units} unit${units === 1 ? "" : "s"} held by ${holds} (${sources}); the next ${countdownText(next, now)}.`;
}

export class ReservationsView {
  constructor(root, { client, onReleased } = {}) {
    this.root = root;
    this.client = client;
    this.onReleased = onReleased;
    this.productId = null;
    this.open = [];
    this.openToken = null;
    this.closedToken = null;
    this.detailFor = null;
    this.returnFocus = null;
    this.sequence = 0;
    this.$ = (id) => root.querySelector(`#${id}`);
    this.$("reservations-refresh").addEventListener("click", () => this.load(this.productId));
    this.$("open-holds-more").addEventListener("click", () => this.loadOpen({ more: true }));
    this.$("closed-holds-more").addEventListener("click", () => this.loadClosed({ more: true }));
    this.$("detail-close").addEventListener("click", () => this.closeDetail());
    this.$("release-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.release();
    });
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.$("reservation-detail").hidden) this.closeDetail();
    });
    // One clock for every countdown in the section.
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  tick() {
    for (const cell of this.root.querySelectorAll("[data-expires-at]")) {
      cell.textContent = countdownText(cell.dataset.expiresAt);
    }
    this.showSummary();
  }

  showSummary() {
    if (this.productId) this.$("reservations-summary").textContent = holdSummary(this.open, { more: !!this.openToken });
  }

  async load(productId) {
    this.productId = productId;
    this.closeDetail({ keepFocus: true });
    say(this.$("reservations-message"), "", "info");
    await Promise.all([this.loadOpen(), this.loadClosed()]);
  }

  async loadOpen({ more = false } = {}) {
    const mine = ++this.sequence;
    const productId = this.productId;
    try {
      const page = await this.client.listProductReservations(productId, {
        state: "open",
        limit: PAGE,
        nextToken: more ? this.openToken : undefined,
      });
      if (mine !== this.sequence && !more) return;
      this.open = more ? [...this.open, ...page.items] : page.items;
      this.openToken = page.next_token || null;
      this.$("open-holds").tBodies[0].replaceChildren(...this.open.map((h) => this.openRow(h)));
      this.$("open-holds-more").hidden = !this.openToken;
      this.showSummary();
    } catch (error) {
      say(this.$("reservations-message"), adminMessage(error, { productId }), "error");
    }
  }

  async loadClosed({ more = false } = {}) {
    const productId = this.productId;
    try {
      const page = await this.client.listProductReservations(productId, {
        state: "closed",
        limit: 10,
        nextToken: more ? this.closedToken : undefined,
      });
      const rows = page.items.map((h) => this.closedRow(h));
      const body = this.$("closed-holds").tBodies[0];
      if (more) body.append(...rows);
      else body.replaceChildren(...rows);
      this.closedToken = page.next_token || null;
      this.$("closed-holds-more").hidden = !this.closedToken;
      if (!body.rows.length)
        body.append(el("tr", {}, el("td", { colSpan: 8, className: "muted" }, "No closed holds yet.")));
    } catch (error) {
      say(this.$("reservations-message"), adminMessage(error, { productId }), "error");
    }
  }

  openRow(h) {
    const timeline = el(
      "button",
      {
        type: "button",
        className: "button button--small",
        ariaLabel: `Timeline of ${h.reservation_id}`,
        onclick: (event) => this.showDetail(h.reservation_id, event.currentTarget),
      },
      "Timeline / release",
    );
    return el(
      "tr",
      { dataset: { reservation: h.reservation_id, warehouse: h.warehouse_id } },
      el("th", { scope: "row" }, el("code", {}, h.reservation_id)),
      el("td", {}, h.warehouse_id),
      el("td", { className: "num", dataset: { field: "quantity" } }, h.quantity),
      el(
        "td",
        { dataset: { field: "expires", expiresAt: h.expires_at }, title: formatTime(h.expires_at) },
        countdownText(h.expires_at),
      ),
      el("td", { dataset: { field: "source" } }, sourceLabel(h.source)),
      el("td", { dataset: { field: "order" } }, h.order_id || "–"),
      el("td", {}, timeline),
    );
  }

  closedRow(h) {
    return el(
      "tr",
      { dataset: { reservation: h.reservation_id, status: h.status } },
      el("th", { scope: "row" }, el("code", {}, h.reservation_id)),
      el("td", {}, h.warehouse_id),
      el("td", { className: "num" }, h.quantity),
      el("td", { dataset: { field: "status" } }, h.status),
      el("td", {}, formatTime(h.closed_at)),
      el("td", { className: "wrap", dataset: { field: "reason" } }, h.reason || "–"),
      el("td", {}, sourceLabel(h.source)),
      el("td", {}, h.order_id || "–"),
    );
  }

  async showDetail(reservationId, opener) {
    this.detailFor = reservationId;
    this.returnFocus = opener || null;
    const detail = this.$("reservation-detail");
    this.$("detail-id").textContent = reservationId;
    this.$("detail-timeline").replaceChildren();
    say(this.$("release-message"), "", "info");
    setFieldError(this.$("release-reason"), "");
    detail.hidden = false;
    detail.focus();
    try {
      const r = await this.client.getReservation(reservationId);
      if (this.detailFor !== reservationId) return;
      const lines = (r.lines || []).map((l) => `${l.quantity} × ${l.product_id}@${l.warehouse_id}`).join(", ");
      this.$("detail-summary").textContent =
        `${r.status} · ${lines} · ${r.status === "HELD" ? countdownText(r.expires_at) : `ended ${r.reason ? `(${r.reason})` : ""}`}` +
        `${r.order_id ? ` · order ${r.order_id}` : ""}${r.extensions ? ` · extended ${r.extensions}×` : ""}`;
      this.$("detail-timeline").replaceChildren(
        ...(r.timeline || []).map((entry) =>
          el(
            "li",
            { dataset: { event: entry.event } },
            el("strong", {}, entry.event),
            ` ${formatTime(entry.at)}`,
            entry.state ? ` · step ${entry.state}` : "",
            entry.actor ? ` · by ${entry.actor}` : "",
            entry.reason ? ` · ${entry.reason}` : "",
            entry.expires_at ? ` · until ${formatTime(entry.expires_at)}` : "",
            entry.error ? ` · ${entry.error}` : "",
          ),
        ),
      );
      this.$("release-form").hidden = r.status !== "HELD";
    } catch (error) {
      say(this.$("release-message"), adminMessage(error, { reservationId }), "error");
    }
  }

  closeDetail({ keepFocus = false } = {}) {
    const detail = this.$("reservation-detail");
    if (detail.hidden) return;
    detail.hidden = true;
    this.detailFor = null;
    if (!keepFocus && this.returnFocus && this.returnFocus.isConnected) this.returnFocus.focus();
    this.returnFocus = null;
  }

  async release() {
    const input = this.$("release-reason");
    const reason = input.value.trim();
    const box = this.$("release-message");
    const reservationId = this.detailFor;
    if (!reason) {
      setFieldError(input, "Reason is required: it is kept on the reservation (e.g. abandoned cart).");
      say(box, "Enter a reason, then release.", "error");
      input.focus();
      return;
    }
    setFieldError(input, "");
    try {
      await this.client.releaseReservation(reservationId, { reason });
      input.value = "";
      this.closeDetail({ keepFocus: true });
      await this.load(this.productId);
      say(this.$("reservations-message"), `Released ${reservationId}: ${reason}. Its units are available again.`, "ok");
      this.$("reservations-heading").focus();
      if (this.onReleased) this.onReleased(reservationId);
    } catch (error) {
      if (error.code === "VALIDATION_FAILED") setFieldError(input, adminMessage(error));
      say(box, adminMessage(error, { reservationId }), "error");
    }
  }
}
