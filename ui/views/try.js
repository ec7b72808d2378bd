// Try it: an event, from a template of each type, decided as a dry run (no state, no approval)
// and shown as the log shows decisions.
import { api, t } from "../lib/api.js";
import { field, h, replace, verdictBadge } from "../lib/dom.js";
import { policyTable } from "./decisions.js";

const TEMPLATES = {
  tool_call: { type: "tool_call", data: { name: "web_fetch", arguments: { url: "https://example.com" } }, context: { session_id: "try-it" } },
  tool_result: { type: "tool_result", data: { name: "web_fetch", result: { status: 200, body: "…" } }, context: { session_id: "try-it" } },
  request: { type: "request", data: { user_content: "Summarise this document." }, context: { session_id: "try-it" } },
  response: { type: "response", data: { content: "Here is the summary." }, context: { session_id: "try-it" } },
  llm_request: { type: "llm_request", data: { model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] }, context: { session_id: "try-it" } },
  llm_response: { type: "llm_response", data: { model: "gpt-4o", content: "Hi!", usage: { input_tokens: 10, output_tokens: 3, cost_usd: 0.0001 } }, context: { session_id: "try-it" } },
};

export function tryIt(container) {
  const template = h("select", {}, Object.keys(TEMPLATES).map((k) => h("option", { value: k }, k)));
  const editor = h("textarea", { rows: 12, class: "code", spellcheck: "false", value: JSON.stringify(TEMPLATES.tool_call, null, 2) });
  const out = h("div", { class: "outcome", "aria-live": "polite" });
  template.addEventListener("change", () => (editor.value = JSON.stringify(TEMPLATES[template.value], null, 2)));
  const run = async (e) => {
    e.preventDefault();
    let event;
    try {
      event = JSON.parse(editor.value);
    } catch (error) {
      return replace(out, h("p", { class: "error", role: "alert" }, `The event is not JSON: ${error.message}`));
    }
    try {
      const d = await api("POST", t("/check"), { event });
      replace(out, h("p", { class: "verdict" }, "Decision: ", verdictBadge(d.result), " ", d.reason ?? ""), policyTable(d.policies), h("p", { class: "hint" }, "A dry run: no state changed and no approval was raised. It is in the log as a dry run."));
    } catch (error) {
      replace(out, h("p", { class: "error", role: "alert" }, error.message));
    }
  };
  replace(container, h("h1", { id: "view-title" }, "Try it"), h("form", { class: "card", onsubmit: run }, field("Template", template), field("Event", editor), h("button", { type: "submit", class: "primary" }, "Run")), out);
}
