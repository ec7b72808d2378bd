// A few DOM helpers, so views read as the markup they make. Text is always set as text: no
// string from the server is ever parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false || key === "value") continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  // After the children: a select's value needs its options.
  if (attrs?.value !== undefined && attrs.value !== null) el.value = attrs.value;
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A labelled field: the label names the control, the hint and the error are read with it. */
export function field(label, control, { hint, id = `f-${Math.random().toString(36).slice(2)}`, required = false } = {}) {
  control.id = id;
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  const error = h("p", { class: "error", id: `${id}-error`, role: "alert" });
  control.setAttribute("aria-describedby", [hintEl && `${id}-hint`, `${id}-error`].filter(Boolean).join(" "));
  return h("div", { class: "field" }, h("label", { for: id }, label, required ? h("span", { class: "req", "aria-label": "required" }, " *") : null), control, hintEl, error);
}

/** Shows `message` on a field made by field(); an empty message clears it. */
export function setError(fieldEl, message) {
  const error = fieldEl.querySelector(":scope > .error");
  error.textContent = message ?? "";
  fieldEl.querySelector("input, select, textarea")?.setAttribute("aria-invalid", message ? "true" : "false");
}

export function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.textContent = ""), 6000);
}

export const verdictBadge = (result) => h("span", { class: `badge ${String(result ?? "none").toLowerCase()}` }, result ?? "no opinion");
