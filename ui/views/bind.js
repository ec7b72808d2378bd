// The bind dialog: the params form generated from the policy's schema, the binding's options,
// and "replay before you enforce" before saving.
import { api, ApiError, stream, t } from "../lib/api.js";
import { field, h, replace, setError, toast } from "../lib/dom.js";
import { schemaForm } from "../lib/schema-form.js";

const EVENT_TYPES = ["request", "tool_call", "tool_result", "response", "llm_request", "llm_response"];

export function bindDialog(policy, existing = null) {
  const id = h("input", { type: "text", value: existing?.id ?? policy.handler.split(".").at(-1).replace(/_/g, "-"), pattern: "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}" });
  const idField = field("Binding id", id, { required: true, hint: "Letters, digits, '_', '.', '-'." });
  const params = policy.kind === "factory" ? schemaForm(policy.params_schema, existing?.params ?? {}) : h("p", { class: "hint" }, "A callable: it takes no params.");
  const mode = h("select", { value: existing?.mode ?? "enforce" }, h("option", { value: "enforce" }, "enforce"), h("option", { value: "shadow" }, "shadow (logged, never changes a decision)"));
  const onError = h("select", { value: existing?.on_error ?? "DENY" }, ["DENY", "ASK", "ALLOW"].map((v) => h("option", { value: v }, v)));
  const events = h("fieldset", { class: "events" }, h("legend", {}, "Runs on (none ticked: every event)"),
    EVENT_TYPES.map((type) => h("label", { class: "check" }, h("input", { type: "checkbox", value: type, checked: existing?.events?.includes(type) ?? false }), type)));
  const message = h("p", { class: "error", role: "alert" });
  const replayOut = h("div", { class: "replay", "aria-live": "polite" });

  const binding = () => {
    const chosen = [...events.querySelectorAll("input:checked")].map((i) => i.value);
    return {
      handler: policy.handler, mode: mode.value, on_error: onError.value,
      ...(policy.kind === "factory" ? { params: params.read() } : {}),
      ...(chosen.length ? { events: chosen } : {}),
    };
  };
  const showError = (error) => {
    message.textContent = error.message;
    if (error instanceof ApiError && error.details?.issues && params.showErrors) params.showErrors(error.details.issues);
  };

  const replay = async () => {
    replace(replayOut, h("p", {}, "Replaying the latest logged decisions…"));
    try {
      let result = null;
      await stream(t("/replay"), { method: "POST", accept: "application/x-ndjson", body: { binding: { id: id.value, ...binding() } }, onChunk: (chunk) => {
        for (const line of chunk.split("\n").filter(Boolean)) {
          const item = JSON.parse(line);
          if (item.done !== undefined) replace(replayOut, h("p", {}, `Replayed ${item.done} of at most ${item.of}…`));
          else result = item.result ?? item;
        }
      } });
      const changes = Object.entries(result.changed);
      replace(replayOut, h("p", {}, `Replayed ${result.replayed} logged decisions: `, changes.length ? changes.map(([k, n]) => `${k}: ${n}`).join(", ") : "nothing would change."),
        result.samples.length ? h("ul", {}, result.samples.map((s) => h("li", { class: "mono" }, `${s.decision_id.slice(0, 8)} ${s.before}→${s.after} ${s.reason ?? ""}`))) : null);
    } catch (error) {
      replace(replayOut);
      showError(error);
    }
  };

  const dialog = h("dialog", { class: "bind", "aria-labelledby": "bind-title" },
    h("form", { method: "dialog", onsubmit: async (e) => {
      e.preventDefault();
      message.textContent = "";
      setError(idField, "");
      try {
        await api("PUT", t(`/bindings/${encodeURIComponent(id.value)}`), binding());
        toast(`Bound ${policy.name} as "${id.value}".`);
        dialog.close();
      } catch (error) {
        if (error.code === "PAL_BINDING_ID_TAKEN") setError(idField, error.message);
        showError(error);
      }
    } },
      h("h2", { id: "bind-title" }, `Bind ${policy.name}`),
      h("p", { class: "mono" }, policy.handler),
      idField, params, field("Mode", mode), field("On error", onError, { hint: "What a failure of this policy (a throw, a timeout) answers." }), events,
      message, replayOut,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: replay }, "Replay on recent decisions"),
        h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, "Save binding")),
    ));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  id.focus();
}
