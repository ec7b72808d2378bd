// The decision log, newest first, filtered by result and paged; a row opens what each policy said.
import { api, t } from "../lib/api.js";
import { field, h, replace, verdictBadge } from "../lib/dom.js";

export function policyTable(policies) {
  return h("table", { class: "policies" }, h("thead", {}, h("tr", {}, ["Binding", "Scope", "Result", "Reason / error", "ms"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, policies.map((p) => h("tr", {}, h("td", { class: "mono" }, p.binding), h("td", {}, p.scope ?? ""), h("td", {}, verdictBadge(p.result)), h("td", {}, p.error ? `${p.error.kind}: ${p.error.message}` : (p.reason ?? "")), h("td", {}, String(p.duration_ms))))));
}

export function decisions(container) {
  const result = h("select", {}, h("option", { value: "" }, "any"), ["ALLOW", "ASK", "DENY"].map((v) => h("option", { value: v }, v)));
  const rows = h("tbody");
  const more = h("button", { type: "button" }, "Older");
  let before = null;
  const load = async (reset) => {
    if (reset) { before = null; replace(rows); }
    const query = new URLSearchParams({ limit: "25", ...(result.value ? { result: result.value } : {}), ...(before ? { before } : {}) });
    const page = await api("GET", t(`/decisions?${query}`));
    for (const d of page.decisions) rows.append(...decisionRows(d));
    before = page.next_before;
    more.hidden = !before;
  };
  more.addEventListener("click", () => load(false));
  result.addEventListener("change", () => load(true));
  replace(container, h("h1", { id: "view-title" }, "Decisions"), field("Result", result),
    h("table", { class: "log" }, h("thead", {}, h("tr", {}, ["Time", "Event", "Target", "Result", "Reason"].map((c) => h("th", { scope: "col" }, c)))), rows), more);
  load(true);
}

function decisionRows(d) {
  const detail = h("tr", { class: "detail", hidden: true }, h("td", { colspan: "5" }, policyTable(d.policies), d.dry_run ? h("p", {}, "A dry run.") : null, d.approval ? h("p", {}, `Approval ${d.approval.id}: ${d.approval.status}`) : null));
  const toggle = h("button", { type: "button", class: "link", "aria-expanded": "false", onclick: () => {
    detail.hidden = !detail.hidden;
    toggle.setAttribute("aria-expanded", String(!detail.hidden));
  } }, d.time.slice(0, 19).replace("T", " "));
  return [h("tr", { class: "decision", "data-id": d.decision_id }, h("td", {}, toggle), h("td", {}, d.event_type), h("td", { class: "mono" }, d.target ?? ""), h("td", {}, verdictBadge(d.result)), h("td", {}, d.reason ?? "")), detail];
}
