// A form generated from a policy's params_schema: strings, numbers, integers, booleans, enums
// and arrays of strings get fields of their own, with defaults, descriptions and required
// marks. A schema it cannot draw (nested objects, unions) gets a raw JSON editor instead. The
// server's 422 instancePaths are shown on the matching field.
import { field, h, setError } from "./dom.js";

const drawable = (p) => p && (["string", "number", "integer", "boolean"].includes(p.type) || Array.isArray(p.enum) || (p.type === "array" && (p.items?.type === "string" || Array.isArray(p.items?.enum))));

/** Whether the form can draw every property of `schema`. */
export function canDraw(schema) {
  if (!schema) return true;
  if (schema.type !== "object" || schema.oneOf || schema.anyOf || schema.allOf || schema.$ref) return false;
  return Object.values(schema.properties ?? {}).every(drawable);
}

function listEditor(values, label) {
  const list = h("ul", { class: "list-editor", "aria-label": label });
  const add = (value = "") => {
    const input = h("input", { type: "text", value, "aria-label": `${label} item` });
    const item = h("li", {}, input, h("button", { type: "button", class: "icon", "aria-label": `Remove ${label} item`, onclick: () => item.remove() }, "×"));
    list.append(item);
    return input;
  };
  for (const v of values) add(v);
  const wrapper = h("div", { class: "list" }, list, h("button", { type: "button", onclick: () => add().focus() }, `Add ${label} item`));
  wrapper.read = () => [...list.querySelectorAll("input")].map((i) => i.value.trim()).filter(Boolean);
  return wrapper;
}

function control(name, p, value) {
  const enumValues = p.enum ?? (p.type === "array" ? null : undefined);
  if (p.type === "boolean") return h("input", { type: "checkbox", checked: value === true, name });
  if (Array.isArray(enumValues)) {
    return h("select", { name, value: value ?? "" }, h("option", { value: "" }, "—"), enumValues.map((v) => h("option", { value: String(v) }, String(v))));
  }
  if (p.type === "array") return listEditor(Array.isArray(value) ? value : [], p.title ?? name);
  return h("input", { type: p.type === "string" ? "text" : "number", name, value: value ?? "", ...(p.type === "integer" ? { step: "1" } : {}) });
}

function read(p, el) {
  if (p.type === "array") return el.read();
  if (p.type === "boolean") return el.checked;
  const raw = el.value;
  if (raw === "") return undefined;
  if (p.type === "number" || p.type === "integer") return Number(raw);
  return raw;
}

/** The form, with read() (the params object) and showErrors(issues). */
export function schemaForm(schema, initial = {}) {
  if (!canDraw(schema)) {
    const text = h("textarea", { rows: 8, class: "code", value: JSON.stringify(initial ?? {}, null, 2) });
    const wrapper = field("Params (JSON)", text, { hint: "This policy's params_schema is drawn as JSON: edit the object." });
    const form = h("div", { class: "schema-form" }, wrapper);
    form.read = () => JSON.parse(text.value || "{}");
    form.showErrors = (issues) => setError(wrapper, issues.map((i) => `${i.instancePath || "(params)"} ${i.message}`).join("; "));
    return form;
  }
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(schema?.properties ?? {}).map(([name, p]) => {
    const el = control(name, p, initial?.[name] ?? p.default);
    const wrapper = field(p.title ?? name, el, { hint: p.description, required: required.has(name), id: `param-${name}` });
    return { name, p, el, wrapper };
  });
  const form = h("div", { class: "schema-form" }, fields.length ? fields.map((f) => f.wrapper) : h("p", { class: "hint" }, "This policy takes no params."));
  form.read = () => Object.fromEntries(fields.map((f) => [f.name, read(f.p, f.el)]).filter(([, v]) => v !== undefined));
  form.showErrors = (issues) => {
    for (const f of fields) setError(f.wrapper, "");
    for (const issue of issues) {
      // "/blocked_domains" or "/blocked_domains/0" belong to that field; the rest to the first.
      const name = issue.instancePath.split("/")[1] ?? issue.message.match(/property '([^']+)'/)?.[1];
      const target = fields.find((f) => f.name === name) ?? fields[0];
      if (target) setError(target.wrapper, [target.wrapper.querySelector(".error").textContent, `${issue.instancePath || "(params)"} ${issue.message}`].filter(Boolean).join("; "));
    }
    fields.find((f) => f.wrapper.querySelector(".error").textContent)?.el.focus?.();
  };
  return form;
}
