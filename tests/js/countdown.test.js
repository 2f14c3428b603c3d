// Countdown arithmetic and its timer loop, with an injected clock (no real waiting).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { countdownText, formatCountdown, secondsLeft, startCountdown } from "../../frontend/js/countdown.js";

const NOW = Date.parse("2026-12-02T10:00:00Z");

describe("secondsLeft", () => {
  it("rounds a partial second up, so 0 means really over", () => {
    assert.equal(secondsLeft("2026-12-02T10:00:04.200Z", NOW), 5);
    assert.equal(secondsLeft("2026-12-02T10:00:00.001Z", NOW), 1);
  });
  it("is 0, never negative, after the expiry", () => {
    assert.equal(secondsLeft("2026-12-02T09:59:00Z", NOW), 0);
    assert.equal(secondsLeft("2026-12-02T10:00:00Z", NOW), 0);
  });
  it("accepts a Date and an offset timestamp", () => {
    assert.equal(secondsLeft(new Date(NOW + 90_000), NOW), 90);
    assert.equal(secondsLeft("2026-12-02T11:01:00+01:00", NOW), 60);
  });
  it("is null for a missing or unreadable expiry", () => {
    assert.equal(secondsLeft(undefined, NOW), null);
    assert.equal(secondsLeft("", NOW), null);
    assert.equal(secondsLeft("tomorrow", NOW), null);
  });
});

describe("formatCountdown", () => {
  it("shows minutes and seconds under an hour", () => {
    assert.equal(formatCountdown(0), "0:00");
    assert.equal(formatCountdown(9), "0:09");
    assert.equal(formatCountdown(899), "14:59");
  });
  it("shows hours above an hour and days above a day", () => {
    assert.equal(formatCountdown(3600), "1:00:00");
    assert.equal(formatCountdown(3723), "1:02:03");
    assert.equal(formatCountdown(90_000), "1 d 1 h");
  });
  it("shows a dash when there is nothing to count", () => {
    assert.equal(formatCountdown(null), "–");
    assert.equal(formatCountdown(Number.NaN), "–");
  });
});

describe("countdownText", () => {
  it("says how long is left, or that the hold expired", () => {
    assert.equal(countdownText("2026-12-02T10:05:00Z", NOW), "expires in 5:00");
    assert.equal(countdownText("2026-12-02T09:00:00Z", NOW), "expired");
    assert.equal(countdownText(null, NOW), "no expiry known");
  });
});

function fakeClock(start) {
  const clock = { now: start, pending: [] };
  clock.Date = { now: () => clock.now };
  clock.setTimeout = (fn, ms) => {
    clock.pending.push({ fn, at: clock.now + ms });
    return clock.pending.length;
  };
  clock.clearTimeout = () => {
    clock.pending = [];
  };
  clock.advance = (ms) => {
    clock.now += ms;
    const due = clock.pending.filter((t) => t.at <= clock.now);
    clock.pending = clock.pending.filter((t) => t.at > clock.now);
    due.forEach((t) => t.fn());
  };
  return clock;
}

describe("startCountdown", () => {
  it("ticks every second and calls onExpired exactly once", () => {
    const clock = fakeClock(NOW);
    const ticks = [];
    let expired = 0;
    startCountdown(new Date(NOW + 2000), { onTick: (s) => ticks.push(s), onExpired: () => expired++, clock });
    clock.advance(1000);
    clock.advance(1000);
    clock.advance(1000);
    assert.deepEqual(ticks, [2, 1, 0]);
    assert.equal(expired, 1);
    assert.equal(clock.pending.length, 0);
  });
  it("stops when asked, before the expiry", () => {
    const clock = fakeClock(NOW);
    let expired = 0;
    const stop = startCountdown(new Date(NOW + 5000), { onExpired: () => expired++, clock });
    stop();
    clock.advance(10_000);
    assert.equal(expired, 0);
  });
  it("does not run for an unreadable expiry", () => {
    const clock = fakeClock(NOW);
    let expired = 0;
    startCountdown("never", { onExpired: () => expired++, clock });
    assert.equal(clock.pending.length, 0);
    assert.equal(expired, 0);
  });
});
