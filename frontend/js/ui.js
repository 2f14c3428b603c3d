// Small DOM helpers shared by the admin pages. Data is always set as text, never as HTML.

export const STATUS_LABELS = { IN_STOCK: "In stock", LOW_STOCK: "Low stock", OUT_OF_STOCK: "Out of stock" };

/** Builds an element: el("td", {className: "num"}, "12"). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null).map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

export function badge(status) {
  const text = STATUS_LABELS[status] || status || "–";
  return el("span", { className: "badge", dataset: { status: status || "" } }, text);
}

/** Shows (or hides, with text "") a message box; kind is "ok", "warn", "error" or "info". */
export function say(box, text, kind = "info") {
  box.textContent = text || "";
  box.dataset.kind = kind;
  box.hidden = !text;
}

export function setFieldError(input, text) {
  const box = document.getElementById(`${input.id}-error`);
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  if (box) {
    box.textContent = text || "";
    box.hidden = !text;
  }
}

export function clearFieldErrors(form) {
  for (const input of form.querySelectorAll("input, select")) setFieldError(input, "");
}

export function formatTime(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? String(iso)
    : date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function signed(n) {
  return n > 0 ? `+${n}` : String(n);
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Checks a product/warehouse id as the API does; returns a problem or "". */
export function idProblem(value, name, { required = true } = {}) {
  if (!value) return required ? `${name} is required.` : "";
  return ID_PATTERN.test(value)
    ? ""
    : `${name} may use letters, digits and . _ : - (starting with a letter or digit), up to 128 characters.`;
}

/** Parses a whole number from an input; returns {value} or {problem}. */
export function wholeNumber(input, name, { min, allowZero = true } = {}) {
  const raw = input.value.trim();
  if (raw === "") return { problem: `${name} is required.` };
  if (!/^[+-]?\d+$/.test(raw)) return { problem: `${name} must be a whole number.` };
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) return { problem: `${name} is too large.` };
  if (min !== undefined && value < min) return { problem: `${name} must be ${min} or more.` };
  if (!allowZero && value === 0) return { problem: `${name} must not be 0.` };
  return { value };
}
