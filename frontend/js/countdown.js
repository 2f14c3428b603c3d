// Countdowns to a hold's expiry: pure functions (no DOM), shared by the admin panel and the demo shop.

/** Whole seconds from `now` until `expiresAt` (ISO 8601 or Date), never negative; null when unreadable. */
export function secondsLeft(expiresAt, now = Date.now()) {
  if (expiresAt === undefined || expiresAt === null || expiresAt === "") return null;
  const end = expiresAt instanceof Date ? expiresAt.getTime() : Date.parse(String(expiresAt));
  const current = now instanceof Date ? now.getTime() : Number(now);
  if (Number.isNaN(end) || Number.isNaN(current)) return null;
  return Math.max(0, Math.ceil((end - current) / 1000));
}

/** "m:ss" under an hour, "h:mm:ss" above, "d h" beyond a day; "0:00" when over. */
export function formatCountdown(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const total = Math.max(0, Math.floor(seconds));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours}:${pad(minutes)}:${pad(secs)}`;
  return `${minutes}:${pad(secs)}`;
}

/** What a shopper or an admin reads next to a hold: "expires in 4:59", or that it has expired. */
export function countdownText(expiresAt, now = Date.now()) {
  const left = secondsLeft(expiresAt, now);
  if (left === null) return "no expiry known";
  return left === 0 ? "expired" : `expires in ${formatCountdown(left)}`;
}

/**
 * Calls `onTick(secondsLeft)` every second until the expiry, then `onExpired()` once.
 * Returns a function that stops it. `clock` is injectable so the timing logic can be tested.
 */
export function startCountdown(expiresAt, { onTick, onExpired, clock = globalThis } = {}) {
  let stopped = false;
  let timer = null;
  const tick = () => {
    if (stopped) return;
    const left = secondsLeft(expiresAt, clock.Date ? clock.Date.now() : Date.now());
    if (onTick) onTick(left);
    if (left === null) {
      stopped = true;
    } else if (left > 0) {
      timer = clock.setTimeout(tick, 1000);
    } else {
      stopped = true;
      if (onExpired) onExpired();
    }
  };
  tick();
  return () => {
    stopped = true;
    if (timer !== null) clock.clearTimeout(timer);
  };
}
