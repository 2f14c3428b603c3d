// A small client for the inventory REST API. ES module, no dependencies, works in any modern browser.
//
//   import { ApiClient, ApiError } from "./api-client.js";
//   const api = new ApiClient({ apiKey: "...", baseUrl: "https://.../v1" });
//   const view = await api.getInventory("SKU-MUG-CERAMIC");
//
// Every failure is thrown as an ApiError carrying the API's error shape
// `{"error": {"code", "message", "details"}}` plus the HTTP status (0 when the request never got an
// answer). A 409 VERSION_CONFLICT exposes the record as it is now in `error.current`.

const DEFAULT_TIMEOUT_MS = 10000;

export class ApiError extends Error {
  constructor({ status, code, message, details }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details && typeof details === "object" ? details : {};
  }

  /** The current record sent with a 409 VERSION_CONFLICT, or null. */
  get current() {
    return this.code === "VERSION_CONFLICT" ? this.details.current || null : null;
  }

  /** Per-field problems of a 400 VALIDATION_FAILED: [{field, problem}]. */
  get fields() {
    return Array.isArray(this.details.fields) ? this.details.fields : [];
  }
}

/** The API base URL a page declares in `<meta name="inventory-api-base" content="...">` ("" = same origin). */
export function apiBaseFromPage(doc = document) {
  const meta = doc.querySelector('meta[name="inventory-api-base"]');
  return meta ? meta.content.trim() : "";
}

function segment(value, name) {
  const text = String(value ?? "").trim();
  if (!text) {
    throw new ApiError({ status: 0, code: "VALIDATION_FAILED", message: `${name}: is required`, details: {} });
  }
  return encodeURIComponent(text);
}

function dropEmpty(object) {
  const out = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined && value !== null && value !== "") out[key] = value;
  }
  return out;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && typeof body.error === "object" && body.error ? body.error : null;
  if (error) {
    return new ApiError({
      status: response.status,
      code: String(error.code || `HTTP_${response.status}`),
      message: String(error.message || response.statusText || "request failed"),
      details: error.details,
    });
  }
  // API Gateway's own answers (before our functions run) may be `{"message": "..."}`.
  const message = body && typeof body.message === "string" ? body.message : response.statusText;
  return new ApiError({
    status: response.status,
    code: `HTTP_${response.status}`,
    message: message || `request failed with status ${response.status}`,
    details: {},
  });
}

export class ApiClient {
  /**
   * @param {object} options
   * @param {string} [options.baseUrl]  API root ("" = same origin),
   *                                     e.g. "https://abc.execute-api.us-east-1.amazonaws.com/v1"
   * @param {string} [options.apiKey]   sent as `x-api-key`
   * @param {number} [options.timeoutMs]
   * @param {typeof fetch} [options.fetch]
   */
  constructor({ baseUrl = "", apiKey = "", timeoutMs = DEFAULT_TIMEOUT_MS, fetch: fetchImpl } = {}) {
    this.baseUrl = String(baseUrl).replace(/\/+$/, "");
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.fetch = fetchImpl || globalThis.fetch.bind(globalThis);
  }

  url(path, query) {
    const params = new URLSearchParams(dropEmpty(query || {}));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  /** Sends one request; resolves to the parsed JSON body (null for 204), throws ApiError otherwise. */
  async request(method, path, { query, body, headers = {}, signal, withKey = true } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const onAbort = () => controller.abort();
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
    const sent = { Accept: "application/json", ...headers };
    if (withKey && this.apiKey) sent["x-api-key"] = this.apiKey;
    if (body !== undefined) sent["Content-Type"] = "application/json";
    let response;
    try {
      response = await this.fetch(this.url(path, query), {
        method,
        headers: sent,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        credentials: "omit",
        cache: "no-store",
      });
    } catch (cause) {
      const aborted = controller.signal.aborted && !(signal && signal.aborted);
      throw new ApiError({
        status: 0,
        code: aborted ? "TIMEOUT" : signal && signal.aborted ? "ABORTED" : "NETWORK_ERROR",
        message: aborted ? "the API did not answer in time" : `the API could not be reached (${cause.message})`,
        details: {},
      });
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
    }
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return null;
    const text = await response.text();
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      throw new ApiError({
        status: response.status,
        code: "BAD_RESPONSE",
        message: "the API answered with something that is not JSON",
        details: {},
      });
    }
  }

  // -- stock ------------------------------------------------------------------------------------
  async getInventory(productId, { warehouseId, signal } = {}) {
    return this.request("GET", `/inventory/${segment(productId, "product_id")}`, {
      query: { warehouse_id: warehouseId },
      signal,
    });
  }

  async listInventory({ category, status, warehouseId, limit, nextToken, signal } = {}) {
    return this.request("GET", "/inventory", {
      query: { category, status, warehouse_id: warehouseId, limit, next_token: nextToken },
      signal,
    });
  }

  /**
   * Sets stock_count / threshold_level / category of one warehouse record. `expectedVersion` is the
   * version the caller last saw: the API refuses with 409 VERSION_CONFLICT (error.current) if it moved.
   */
  async updateInventory(
    productId,
    { warehouseId, stockCount, thresholdLevel, category, expectedVersion, signal } = {},
  ) {
    const body = dropEmpty({
      warehouse_id: warehouseId,
      stock_count: stockCount,
      threshold_level: thresholdLevel,
      category,
      expected_version: expectedVersion,
    });
    // The version travels in the body (`expected_version`), the contract's alternative to If-Match.
    return this.request("PUT", `/inventory/${segment(productId, "product_id")}`, { body, signal });
  }

  async adjustInventory(productId, { warehouseId, delta, reason, reference, signal } = {}) {
    return this.request("POST", `/inventory/${segment(productId, "product_id")}/adjustments`, {
      body: dropEmpty({ warehouse_id: warehouseId, delta, reason, reference }),
      signal,
    });
  }

  async getHistory(productId, { limit, nextToken, signal } = {}) {
    return this.request("GET", `/inventory/${segment(productId, "product_id")}/history`, {
      query: { limit, next_token: nextToken },
      signal,
    });
  }

  /** A product's open holds (`state: "open"`) or recently closed ones (`"closed"`), newest first. */
  async listProductReservations(productId, { state, limit, nextToken, signal } = {}) {
    return this.request("GET", `/inventory/${segment(productId, "product_id")}/reservations`, {
      query: { state, limit, next_token: nextToken },
      signal,
    });
  }

  /** Releases a hold; the reason is kept on the reservation. */
  async releaseReservation(reservationId, { reason, signal } = {}) {
    return this.request("DELETE", `/reservations/${segment(reservationId, "reservationId")}`, {
      query: { reason },
      signal,
    });
  }

  async checkAvailability(items, { signal } = {}) {
    return this.request("POST", "/inventory/check", { body: { items }, signal });
  }

  async reserve(productId, { quantity, reservationId, warehouseId, holdSeconds, signal } = {}) {
    return this.request("POST", `/inventory/${segment(productId, "product_id")}/reserve`, {
      body: dropEmpty({ quantity, reservationId, warehouse_id: warehouseId, hold_seconds: holdSeconds }),
      signal,
    });
  }

  // With a storefront key the answer of `reserve` carries `release_secret`: pass it as
  // `releaseSecret` to release or read that hold (only its creator can).
  async release(productId, reservationId, { releaseSecret, signal } = {}) {
    return this.request(
      "DELETE",
      `/inventory/${segment(productId, "product_id")}/reserve/${segment(reservationId, "reservationId")}`,
      { headers: releaseSecret ? { "X-Release-Secret": releaseSecret } : {}, signal },
    );
  }

  async getReservation(reservationId, { releaseSecret, signal } = {}) {
    return this.request("GET", `/reservations/${segment(reservationId, "reservationId")}`, {
      headers: releaseSecret ? { "X-Release-Secret": releaseSecret } : {},
      signal,
    });
  }

  // -- products ---------------------------------------------------------------------------------
  async createProduct(product, { signal } = {}) {
    return this.request("POST", "/products", { body: dropEmpty(product), signal });
  }

  async getProduct(sku, { signal } = {}) {
    return this.request("GET", `/products/${segment(sku, "sku")}`, { signal });
  }

  async listProducts({ limit, nextToken, signal } = {}) {
    return this.request("GET", "/products", { query: { limit, next_token: nextToken }, signal });
  }

  // -- alerts -----------------------------------------------------------------------------------
  async listAlerts({ limit, nextToken, signal } = {}) {
    return this.request("GET", "/alerts", { query: { limit, next_token: nextToken }, signal });
  }

  /** The local stack's record of published SNS messages (`make run` only; not part of the deployed API). */
  async localSnsMessages({ topicArn, signal } = {}) {
    return this.request("GET", "/_local/sns", { query: { topic_arn: topicArn }, signal, withKey: false });
  }
}
