// The console's shell: sign in with a key, then the sections that key's role may use. Sections
// are picked by the URL's hash (#/policies): it never holds a key.
import { api, ApiError, session } from "./lib/api.js";
import { field, h, replace, setError } from "./lib/dom.js";
import { approvals } from "./views/approvals.js";
import { bindings } from "./views/bindings.js";
import { decisions } from "./views/decisions.js";
import { limits } from "./views/limits.js";
import { modules } from "./views/modules.js";
import { policies } from "./views/policies.js";
import { tryIt } from "./views/try.js";

// Which sections each role sees. Agent keys are for agents: the console does not take them.
const SECTIONS = [
  { id: "policies", label: "Policies", view: policies, roles: ["admin", "security", "author"] },
  { id: "bindings", label: "Bindings", view: bindings, roles: ["admin", "security"] },
  { id: "modules", label: "Modules", view: modules, roles: ["admin", "security", "author"] },
  { id: "limits", label: "Limits", view: limits, roles: ["admin", "security"] },
  { id: "decisions", label: "Decisions", view: decisions, roles: ["admin", "security"] },
  { id: "approvals", label: "Approvals", view: approvals, roles: ["admin", "security", "approver"] },
  { id: "try", label: "Try it", view: tryIt, roles: ["admin", "security"] },
];

const main = document.getElementById("main");
let leave = () => {};

function signIn(message) {
  replace(document.getElementById("nav"));
  replace(document.getElementById("who"));
  const key = h("input", { type: "password", autocomplete: "off", spellcheck: "false" });
  const tenant = h("input", { type: "text", autocomplete: "off" });
  const keyField = field("API key", key, { hint: "A security, approver, author or admin key. It is kept in this tab only." });
  const tenantField = field("Tenant (admin keys only)", tenant);
  const form = h("form", { class: "card narrow", onsubmit: async (e) => {
    e.preventDefault();
    session.key = key.value.trim();
    try {
      await start(tenant.value.trim());
    } catch (error) {
      session.key = null;
      setError(keyField, error instanceof ApiError && error.status === 401 ? "This key is not valid (or was revoked)." : error.message);
      key.focus();
    }
  } }, h("h1", {}, "Sign in"), message ? h("p", { class: "error" }, message) : null, keyField, tenantField, h("button", { type: "submit", class: "primary" }, "Sign in"));
  replace(main, form);
  key.focus();
}

async function start(tenantForAdmin) {
  const me = await api("GET", "/v1/whoami");
  if (me.role === "agent") throw new Error("Agent keys are for agents. Sign in with a security, approver, author or admin key.");
  if (me.role === "admin" && !tenantForAdmin) throw new Error("An admin key needs a tenant: fill in the tenant.");
  session.role = me.role;
  session.tenant = me.tenant ?? tenantForAdmin;
  if (me.role === "admin") await api("GET", `/v1/tenants/${encodeURIComponent(session.tenant)}`);
  replace(document.getElementById("who"), `${session.role} · ${session.tenant} `, h("button", { type: "button", onclick: () => { session.key = null; leave(); signIn(); } }, "Sign out"));
  window.addEventListener("hashchange", show);
  show();
}

function show() {
  if (!session.role) return;
  const allowed = SECTIONS.filter((s) => s.roles.includes(session.role));
  const wanted = location.hash.replace(/^#\/?/, "");
  const current = allowed.find((s) => s.id === wanted) ?? allowed[0];
  replace(document.getElementById("nav"), allowed.map((s) => h("a", { href: `#/${s.id}`, "aria-current": s === current ? "page" : false }, s.label)));
  leave();
  const container = h("section", { "aria-labelledby": "view-title" });
  replace(main, container);
  leave = current.view(container) ?? (() => {});
  main.focus();
}

if (session.key) start("").catch(() => signIn()); else signIn();
