// The tenant's limits, each beside the platform cap it may not pass.
import { api, ApiError, t } from "../lib/api.js";
import { field, h, replace, setError, toast } from "../lib/dom.js";

const FIELDS = ["memory_mb", "timeout_ms", "max_bundle_bytes", "max_event_bytes", "max_output_bytes", "max_modules", "max_bindings"];

export async function limits(container) {
  const [current, caps] = await Promise.all([api("GET", t("/limits")), api("GET", "/v1/limits/caps").catch(() => ({}))]);
  const fields = FIELDS.map((name) => {
    const input = h("input", { type: "number", min: "1", step: "1", value: String(current[name]) });
    return { name, input, wrapper: field(name, input, { hint: caps[name] !== undefined ? `cap: ${caps[name]}` : "no cap" }) };
  });
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    for (const f of fields) setError(f.wrapper, "");
    try {
      await api("PUT", t("/limits"), Object.fromEntries(fields.map((f) => [f.name, Number(f.input.value)])));
      toast("Limits saved.");
    } catch (error) {
      const target = fields.find((f) => f.name === error.details?.field || error.message.includes(f.name)) ?? fields[0];
      setError(target.wrapper, error instanceof ApiError ? error.message : String(error));
    }
  } }, fields.map((f) => f.wrapper), h("button", { type: "submit", class: "primary" }, "Save limits"));
  replace(container, h("h1", { id: "view-title" }, "Limits"), form);
}
