// Bindings of the tenant, an agent or a session, in evaluation order: enable, mode, on_error,
// order and delete, each saved as it changes.
import { api, t } from "../lib/api.js";
import { field, h, replace, toast, verdictBadge } from "../lib/dom.js";

export function bindings(container) {
  const scope = h("select", {}, h("option", { value: "" }, "the tenant"), h("option", { value: "agents" }, "an agent"), h("option", { value: "sessions" }, "a session"));
  const scopeId = h("input", { type: "text", placeholder: "agent or session id" });
  const list = h("div");
  const path = () => (scope.value ? `/${scope.value}/${encodeURIComponent(scopeId.value.trim())}/bindings` : "/bindings");
  const load = async () => {
    if (scope.value && !scopeId.value.trim()) return replace(list, h("p", {}, "Give the agent or session id."));
    const found = await api("GET", t(path()));
    replace(list, found.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Order", "Id", "Policy", "Enabled", "Mode", "On error", "Source", ""].map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, found.map((b, i) => row(b, i, found)))) : h("p", {}, "No bindings here."));
  };
  const save = async (b, change) => {
    const { id, source: _s, updated_at: _u, ...body } = b;
    await api("PUT", t(`${path()}/${encodeURIComponent(id)}`), { ...body, ...change });
    toast(`Saved ${id}.`);
    await load();
  };
  const row = (b, i, all) => {
    const editable = b.source !== "config";
    return h("tr", {},
      h("td", {}, String(b.order ?? 0)),
      h("td", { class: "mono" }, b.id),
      h("td", { class: "mono" }, b.handler),
      h("td", {}, h("input", { type: "checkbox", checked: b.enabled !== false, disabled: !editable, "aria-label": `Enable ${b.id}`, onchange: (e) => save(b, { enabled: e.target.checked }) })),
      h("td", {}, h("select", { value: b.mode ?? "enforce", disabled: !editable, "aria-label": `Mode of ${b.id}`, onchange: (e) => save(b, { mode: e.target.value }) }, h("option", { value: "enforce" }, "enforce"), h("option", { value: "shadow" }, "shadow"))),
      h("td", {}, h("select", { value: b.on_error ?? "DENY", disabled: !editable, "aria-label": `On error of ${b.id}`, onchange: (e) => save(b, { on_error: e.target.value }) }, ["DENY", "ASK", "ALLOW"].map((v) => h("option", { value: v }, v)))),
      h("td", {}, b.source),
      h("td", { class: "actions" }, editable ? [
        h("button", { type: "button", disabled: i === 0, "aria-label": `Move ${b.id} earlier`, onclick: () => save(b, { order: (all[i - 1].order ?? 0) - 1 }) }, "↑"),
        h("button", { type: "button", disabled: i === all.length - 1, "aria-label": `Move ${b.id} later`, onclick: () => save(b, { order: (all[i + 1].order ?? 0) + 1 }) }, "↓"),
        h("button", { type: "button", class: "danger", onclick: async () => { if (confirm(`Delete binding ${b.id}?`)) { await api("DELETE", t(`${path()}/${encodeURIComponent(b.id)}`)); await load(); } } }, "Delete"),
      ] : null));
  };
  replace(container, h("h1", { id: "view-title" }, "Bindings"),
    h("p", {}, "Evaluation runs a session's bindings, then its agent's, then the tenant's, then the config's; a DENY anywhere wins. ", verdictBadge("DENY")),
    h("div", { class: "row" }, field("Scope", scope), field("Agent or session id", scopeId), h("button", { type: "button", onclick: load }, "Show")), list);
  scope.addEventListener("change", load);
  load();
}
