// The admin panel's low-stock alert feed (`<section id="alert-feed">`).
//
// Reads GET /alerts with the admin key. Where that route is not deployed (404), it falls back to the
// local stack's record of SNS messages (GET /_local/sns), so `make run` shows the same alerts the
// topic's subscribers receive.

import { badge, el, formatTime, say } from "./ui.js";

const LIMIT = 20;

/** An SNS message as an alert: its body is the alert JSON when our functions published it. */
export function alertFromSnsMessage(message) {
  let body = null;
  try {
    body = JSON.parse(message.message);
  } catch {
    body = null;
  }
  const alert = body && typeof body === "object" && !Array.isArray(body) ? body : {};
  return {
    ...alert,
    alert_id: alert.alert_id || message.message_id,
    at: alert.at || message.published_at,
    subject: message.subject || "",
    raw: body ? null : String(message.message ?? ""),
  };
}

function describe(alert) {
  const parts = [];
  if (alert.available !== undefined) parts.push(`available ${alert.available}`);
  if (alert.stock_count !== undefined) parts.push(`on hand ${alert.stock_count}`);
  if (alert.reserved_count !== undefined) parts.push(`reserved ${alert.reserved_count}`);
  if (alert.threshold_level !== undefined) parts.push(`threshold ${alert.threshold_level}`);
  return parts.join(" · ");
}

function item(alert, onSelectProduct) {
  const status = alert.new_status || "";
  const label = alert.product_id
    ? `${alert.product_id}${alert.warehouse_id ? ` @ ${alert.warehouse_id}` : ""}`
    : alert.subject || "Message";
  const title =
    alert.product_id && onSelectProduct
      ? el(
          "button",
          { type: "button", className: "link-button", onclick: () => onSelectProduct(alert.product_id) },
          label,
        )
      : el("span", {}, label);
  const transition = alert.previous_status && alert.new_status;
  const change = transition ? `${alert.previous_status} → ${alert.new_status}` : alert.event_type || "";
  return el(
    "li",
    { dataset: { status, alertId: alert.alert_id || "" } },
    el("div", { className: "alert-head" }, title, status ? badge(status) : null),
    describe(alert) ? el("div", {}, describe(alert)) : null,
    el("div", { className: "alert-meta" }, [change, formatTime(alert.at)].filter(Boolean).join(" · ")),
    alert.raw ? el("pre", {}, alert.raw) : null,
  );
}

export class AlertFeed {
  /** onSelectProduct(productId) is called when the admin picks an alert's product. */
  constructor(section, { client, pollSeconds = 30, onSelectProduct } = {}) {
    this.section = section;
    this.onSelectProduct = onSelectProduct;
    this.client = client;
    this.pollSeconds = pollSeconds;
    this.list = section.querySelector("[data-alert-list]");
    this.message = section.querySelector("[data-alert-message]");
    this.source = section.querySelector("[data-alert-source]");
    this.timer = null;
    this.sequence = 0;
    section.querySelector("[data-alert-refresh]")?.addEventListener("click", () => this.refresh());
  }

  async load() {
    try {
      const page = await this.client.listAlerts({ limit: LIMIT });
      return { source: "GET /alerts", alerts: page.alerts || [] };
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    const feed = await this.client.localSnsMessages();
    const alerts = (feed.messages || []).map(alertFromSnsMessage).reverse().slice(0, LIMIT);
    return { source: "the local SNS feed (GET /_local/sns); GET /alerts is not deployed here", alerts };
  }

  async refresh() {
    const mine = ++this.sequence;
    if (!this.client.apiKey) {
      this.list.replaceChildren();
      this.source.textContent = "";
      say(this.message, "Enter the admin key to see alerts.", "info");
      return;
    }
    this.section.setAttribute("aria-busy", "true");
    try {
      const { source, alerts } = await this.load();
      if (mine !== this.sequence) return;
      this.source.textContent = `Newest first, from ${source}.`;
      this.section.dataset.source = source.startsWith("GET /alerts") ? "alerts" : "local-sns";
      this.list.replaceChildren(...alerts.map((alert) => item(alert, this.onSelectProduct)));
      say(this.message, alerts.length ? "" : "No alerts yet.", "info");
    } catch (error) {
      if (mine !== this.sequence) return;
      say(this.message, `Alerts could not be loaded: ${error.message} (${error.code}).`, "error");
    } finally {
      if (mine === this.sequence) this.section.setAttribute("aria-busy", "false");
    }
  }

  start() {
    const first = this.refresh();
    if (this.pollSeconds > 0 && !this.timer) {
      this.timer = setInterval(() => {
        if (!document.hidden) this.refresh();
      }, this.pollSeconds * 1000);
    }
    return first;
  }
}
