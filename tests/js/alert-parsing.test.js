// SNS messages read back as alerts for the admin panel's feed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { alertFromSnsMessage } from "../../frontend/js/alert-feed.js";

describe("alertFromSnsMessage", () => {
  it("reads an alert published as JSON", () => {
    const body = {
      alert_id: "a-1",
      event_type: "LOW_STOCK",
      product_id: "SKU-1",
      available: 2,
      at: "2026-12-02T10:00:00Z",
    };
    const alert = alertFromSnsMessage({
      message_id: "m-1",
      subject: "Low stock: SKU-1",
      message: JSON.stringify(body),
      published_at: "2026-12-02T10:00:01Z",
    });
    assert.equal(alert.alert_id, "a-1");
    assert.equal(alert.product_id, "SKU-1");
    assert.equal(alert.at, "2026-12-02T10:00:00Z");
    assert.equal(alert.subject, "Low stock: SKU-1");
    assert.equal(alert.raw, null);
  });
  it("falls back to the message's own id and time", () => {
    const alert = alertFromSnsMessage({ message_id: "m-2", message: "{}", published_at: "2026-12-02T10:00:01Z" });
    assert.equal(alert.alert_id, "m-2");
    assert.equal(alert.at, "2026-12-02T10:00:01Z");
  });
  it("keeps a message that is not JSON as raw text", () => {
    const alert = alertFromSnsMessage({ message_id: "m-3", message: "plain words", published_at: "t" });
    assert.equal(alert.raw, "plain words");
    assert.equal(alert.product_id, undefined);
  });
  it("does not take a JSON array or a number for an alert", () => {
    assert.equal(alertFromSnsMessage({ message_id: "m-4", message: "[1,2]" }).alert_id, "m-4");
    assert.equal(alertFromSnsMessage({ message_id: "m-5", message: "42" }).alert_id, "m-5");
    assert.equal(alertFromSnsMessage({ message_id: "m-6", message: undefined }).raw, "");
  });
});
