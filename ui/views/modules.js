// The tenant's modules: upload a file or paste source; compile errors at file:line:col beside
// the line; versions and rollback.
import { api, ApiError, session, t } from "../lib/api.js";
import { field, h, replace, toast } from "../lib/dom.js";

export function modules(container) {
  const name = h("input", { type: "text", placeholder: "myorg.policies" });
  const file = h("input", { type: "file", accept: ".ts,.js,.mjs,.mts" });
  const source = h("textarea", { rows: 14, class: "code", spellcheck: "false" });
  const diagnostics = h("div", { class: "diagnostics", "aria-live": "polite" });
  const list = h("div");
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    source.value = await chosen.text();
    if (!name.value) name.value = chosen.name.replace(/\.(m?[jt]s)$/, "").replace(/[^a-z0-9_.]/gi, "_").toLowerCase();
  });
  const load = async () => {
    const found = await api("GET", t("/modules"));
    replace(list, found.length ? found.map((m) => moduleCard(m, load)) : h("p", {}, "No modules yet."));
  };
  const upload = async (e) => {
    e.preventDefault();
    replace(diagnostics);
    try {
      const done = await api("PUT", t(`/modules/${encodeURIComponent(name.value.trim())}`), { source: source.value });
      toast(`Uploaded ${done.module} v${done.version}: ${done.policies.map((p) => p.handler).join(", ")}`);
      replace(diagnostics, h("p", { class: "ok" }, `${done.module} v${done.version} is live, with ${done.policies.length} policies.`));
      await load();
    } catch (error) {
      replace(diagnostics, h("p", { class: "error", role: "alert" }, error.message), error instanceof ApiError ? (error.details?.diagnostics ?? []).map(diagnostic) : null);
    }
  };
  // Uploads and rollbacks are an author's (or an admin's): a security key sees what is there.
  const writer = ["author", "admin"].includes(session.role);
  replace(container, h("h1", { id: "view-title" }, "Modules"),
    writer
      ? h("form", { class: "card", onsubmit: upload }, h("h2", {}, "Upload a version"), field("Module name", name, { required: true, hint: "Dotted lower case; its POLICY_REGISTRY handlers start with it." }), field("File", file), field("Source", source), diagnostics, h("button", { type: "submit", class: "primary" }, "Upload"))
      : h("p", { class: "hint" }, "Uploading and rolling back modules needs an author key."),
    h("h2", {}, "Versions"), list);
  load();
}

function diagnostic(d) {
  const where = `${d.file}:${d.line}:${d.column}`;
  return h("div", { class: "diagnostic" }, h("p", { class: "mono" }, h("strong", {}, where), ` ${d.message}`),
    d.lineText !== undefined ? h("pre", { class: "code" }, `${String(d.line).padStart(4)} | ${d.lineText}\n     | ${" ".repeat(Math.max(0, d.column - 1))}^`) : null);
}

function moduleCard(m, reload) {
  const writer = ["author", "admin"].includes(session.role);
  const versions = h("ul");
  const open = async () => {
    const detail = await api("GET", t(`/modules/${encodeURIComponent(m.module)}`));
    replace(versions, detail.versions.map((v) => h("li", {}, `v${v.version} · ${v.bundle_bytes} bytes · ${v.created_at.slice(0, 19).replace("T", " ")} `,
      v.version === detail.current_version ? h("span", { class: "tag" }, "current") : !writer ? null : h("button", { type: "button", onclick: async () => { await api("POST", t(`/modules/${encodeURIComponent(m.module)}/rollback`), { version: v.version }); toast(`${m.module} is back at v${v.version}.`); await reload(); } }, `Roll back to v${v.version}`))));
  };
  return h("article", { class: "card" }, h("h3", { class: "mono" }, m.module), h("p", {}, `current v${m.current_version}, ${m.bundle_bytes} bytes`), h("button", { type: "button", onclick: open }, "Versions"), versions);
}
