// The approvals inbox: pending ones, kept current over the host's event stream; accept or
// decline with a note; the history below.
import { api, stream, t } from "../lib/api.js";
import { h, replace, toast } from "../lib/dom.js";

export function approvals(container) {
  const pending = h("div", { class: "cards", "aria-live": "polite" });
  const history = h("tbody");
  const status = h("p", { class: "hint" }, "Connecting…");
  const load = async () => {
    const [open, all] = await Promise.all([api("GET", t("/approvals?status=pending&limit=100")), api("GET", t("/approvals?limit=50"))]);
    replace(pending, open.approvals.length ? open.approvals.map((a) => card(a, load)) : h("p", {}, "Nothing waits for an answer."));
    replace(history, all.approvals.filter((a) => a.status !== "pending").map((a) => h("tr", {}, h("td", { class: "mono" }, a.id), h("td", {}, a.status), h("td", {}, a.resolved_by ?? ""), h("td", {}, a.note ?? ""), h("td", {}, a.reasons.join("; ")))));
  };
  // fetch, not EventSource: EventSource cannot send the key in a header, and it must not go in the URL.
  const controller = new AbortController();
  const listen = async () => {
    try {
      let buffer = "";
      await stream(t("/approvals/stream"), { accept: "text/event-stream", signal: controller.signal, onChunk: (chunk) => {
        status.textContent = "Live: new approvals appear here as agents raise them.";
        buffer += chunk;
        const events = buffer.split("\n\n");
        buffer = events.pop();
        if (events.some((e) => /^event: approval\./m.test(e))) load();
      } });
    } catch (error) {
      if (controller.signal.aborted) return;
      status.textContent = `Not live (${error.message}); retrying…`;
    }
    if (!controller.signal.aborted) setTimeout(listen, 2000);
  };
  replace(container, h("h1", { id: "view-title" }, "Approvals"), status, h("h2", {}, "Waiting for an answer"), pending,
    h("h2", {}, "History"), h("table", {}, h("thead", {}, h("tr", {}, ["Id", "Status", "By", "Note", "Asked because"].map((c) => h("th", { scope: "col" }, c)))), history));
  load();
  listen();
  return () => controller.abort();
}

// Every field of the binding a proposal would create, each on its own row and in full: what a
// person accepts is exactly what they can read here.
const PROPOSAL_FIELDS = [["id", "Binding id"], ["handler", "Policy"], ["mode", "Mode"], ["on_error", "On error"], ["events", "Events"], ["order", "Order"], ["enabled", "Enabled"], ["ask_timeout_s", "Ask timeout (s)"], ["approve_via", "Approve via"], ["params", "Params"]];

function proposalFields(binding) {
  const shown = (key) => {
    const value = binding[key];
    if (value === undefined) return key === "events" ? "all events" : key === "approve_via" ? "any" : "—";
    return key === "params" ? JSON.stringify(value, null, 2) : Array.isArray(value) ? value.join(", ") : String(value);
  };
  return h("dl", { class: "proposal" }, ...PROPOSAL_FIELDS.flatMap(([key, label]) => [h("dt", {}, label), h("dd", { "data-field": key }, key === "params" ? h("pre", { class: "code" }, shown(key)) : shown(key))]));
}

function card(a, reload) {
  const note = h("input", { type: "text", "aria-label": `Note for ${a.id}` });
  const answer = (action) => async () => {
    try {
      await api("POST", t(`/approvals/${a.id}`), { action, ...(note.value ? { note: note.value } : {}) });
      toast(`${action === "accept" ? "Accepted" : "Declined"} ${a.id}.`);
    } catch (error) {
      toast(error.message);
    }
    await reload();
  };
  const what = a.proposal ? `Proposal for session ${a.proposal.session_id}: bind ${a.proposal.binding.handler}` : `${a.event?.type ?? "event"} ${a.event?.data?.name ?? ""}`;
  return h("article", { class: "card approval", "data-id": a.id },
    h("h3", {}, what),
    a.proposal ? proposalFields(a.proposal.binding) : h("p", {}, a.reasons.join("; ")),
    a.raised_by ? h("p", { class: "hint" }, `raised by key ${a.raised_by}`) : null,
    h("p", { class: "hint" }, `session ${a.session_id ?? "—"} · agent ${a.agent ?? "—"} · expires ${a.expires_at.slice(0, 19).replace("T", " ")} UTC`),
    a.event ? h("details", {}, h("summary", {}, "Event"), h("pre", { class: "code" }, JSON.stringify(a.event, null, 2))) : null,
    h("label", {}, "Note ", note),
    h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: answer("accept") }, `Accept ${a.id}`), h("button", { type: "button", class: "danger", onclick: answer("decline") }, `Decline ${a.id}`)));
}
