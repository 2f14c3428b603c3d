// API errors as sentences that say what to do, for the admin panel and for shoppers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { adminMessage, shopperMessage } from "../../frontend/js/error-messages.js";

const error = (code, status, details = {}, message = "problem") => ({ code, status, details, message });

describe("adminMessage", () => {
  it("asks for the key again on a 401", () => {
    assert.equal(
      adminMessage(error("UNAUTHORIZED", 401)),
      "The admin key was not accepted (401). Enter it again above.",
    );
  });
  it("names the scope a 403 needs", () => {
    assert.equal(
      adminMessage(error("FORBIDDEN", 403, { required_scope: "admin" })),
      "This key may not do that (403): it needs the admin scope. Enter an admin key above.",
    );
  });
  it("names the product or the reservation it could not find", () => {
    assert.equal(
      adminMessage(error("PRODUCT_NOT_FOUND", 404), { productId: "SKU-X" }),
      'No stock records for product "SKU-X".',
    );
    assert.match(adminMessage(error("RESERVATION_NOT_FOUND", 404), { reservationId: "r-1" }), /"r-1" does not exist/);
  });
  it("explains a closed reservation with its status and reason", () => {
    const text = adminMessage(error("RESERVATION_CLOSED", 409, { status: "FULFILLED", reason: "sold" }), {
      reservationId: "r-2",
    });
    assert.equal(text, 'Reservation "r-2" is already FULFILLED (sold): nothing to release. Refresh the list.');
  });
  it("lists the fields a 400 names", () => {
    const text = adminMessage(
      error("VALIDATION_FAILED", 400, { fields: [{ field: "reason", problem: "is too long" }] }),
    );
    assert.equal(text, "Check the highlighted input: reason: is too long.");
  });
  it("tells when to retry a busy service", () => {
    assert.equal(
      adminMessage(error("SERVICE_BUSY", 503, { retry_after_seconds: 2 })),
      "The service is busy (503). Try again in 2 s.",
    );
    assert.equal(adminMessage(error("HTTP_429", 429)), "The service is busy (429). Try again shortly.");
  });
  it("points at the connection when nothing answered", () => {
    assert.equal(
      adminMessage(error("NETWORK_ERROR", 0, {}, "the API could not be reached (Failed to fetch)")),
      "the API could not be reached (Failed to fetch). Check your connection and try again.",
    );
  });
  it("falls back to the API's message and code", () => {
    assert.equal(
      adminMessage(error("STOCK_BELOW_ZERO", 400, {}, "stock would go below 0")),
      "stock would go below 0 (STOCK_BELOW_ZERO, HTTP 400).",
    );
    assert.match(
      adminMessage(error("INTERNAL_ERROR", 500)),
      /^The service failed \(INTERNAL_ERROR, HTTP 500\)\. Try again/,
    );
  });
});

describe("shopperMessage", () => {
  it("says how many are left when a hold is short", () => {
    const details = { available: 2, lines: [{ product_id: "SKU-1", requested: 5, available: 2 }] };
    assert.equal(
      shopperMessage(error("INSUFFICIENT_STOCK", 409, details)),
      "Only 2 left: lower the quantity and try again.",
    );
  });
  it("says sold out when nothing is left", () => {
    assert.equal(
      shopperMessage(error("INSUFFICIENT_STOCK", 409, { available: 0 })),
      "Sold out just now: someone else took the last one.",
    );
  });
  it("never shows an error code", () => {
    for (const code of ["RESERVATION_CLOSED", "CART_EMPTY", "SERVICE_BUSY", "NETWORK_ERROR", "WHATEVER"]) {
      const text = shopperMessage(error(code, 409));
      assert.doesNotMatch(text, /[A-Z]{3,}_[A-Z]+/);
      assert.ok(text.endsWith("."));
    }
  });
});
