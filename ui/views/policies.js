// The registry: builtins, config modules and the tenant's own, searchable; security binds from here.
import { api, session, t } from "../lib/api.js";
import { field, h, replace } from "../lib/dom.js";
import { bindDialog } from "./bind.js";

export function policies(container) {
  const search = h("input", { type: "search", placeholder: "block, domains, github…" });
  const list = h("div", { class: "cards" });
  replace(container, h("h1", { id: "view-title" }, "Policies"), field("Search policies", search), list);
  let all = [];
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = all.filter((p) => !q || `${p.handler} ${p.name} ${p.description ?? ""}`.toLowerCase().includes(q));
    replace(list, shown.length ? shown.map(card) : h("p", {}, "No policy matches."));
  };
  search.addEventListener("input", draw);
  api("GET", t("/policies")).then((found) => { all = found; draw(); });
}

function card(policy) {
  const params = Object.entries(policy.params_schema?.properties ?? {});
  const required = new Set(policy.params_schema?.required ?? []);
  return h("article", { class: "card policy", "data-handler": policy.handler },
    h("h2", {}, policy.name),
    h("p", { class: "mono" }, policy.handler, " ", h("span", { class: "tag" }, policy.source), " ", h("span", { class: "tag" }, policy.kind)),
    policy.description ? h("p", {}, policy.description) : null,
    params.length ? h("ul", { class: "params" }, params.map(([name, p]) => h("li", {}, h("code", {}, name), required.has(name) ? " (required)" : "", p.description ? ` — ${p.description}` : ""))) : null,
    ["admin", "security"].includes(session.role) ? h("button", { type: "button", class: "primary", onclick: () => bindDialog(policy) }, `Bind ${policy.name}`) : null,
  );
}
