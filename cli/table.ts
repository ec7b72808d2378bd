// Aligned tables: the registry (bundle, upload) and approvals.
import type { ApprovalInfo } from "../sdk/approvals.ts";
import type { PolicyInfo } from "../sdk/types.ts";

// Reasons are a policy's words, and policies are tenant code: control characters (terminal
// escapes among them) are shown as "?" rather than sent to the reader's terminal.
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");

function aligned(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => printable(cell).padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** Handler, kind, name and params (required ones starred), in aligned columns. */
export function registryTable(policies: PolicyInfo[]): string {
  const rows = policies.map((p) => {
    const schema = p.params_schema as { properties?: Record<string, unknown>; required?: string[] } | null;
    const params = Object.keys(schema?.properties ?? {}).map((k) => (schema?.required?.includes(k) ? `${k}*` : k)).join(", ");
    return [p.handler, p.kind, p.name, params || "—"];
  });
  return aligned(["HANDLER", "KIND", "NAME", "PARAMS (* required)"], rows);
}

/** Id, status, when it expires, the session and what was asked, newest first. */
export function approvalTable(approvals: ApprovalInfo[]): string {
  const rows = approvals.map((a) => [a.id, a.status, a.expires_at.slice(0, 19).replace("T", " "), a.session_id ?? "—", a.reasons.join("; ").slice(0, 80)]);
  return aligned(["ID", "STATUS", "EXPIRES (UTC)", "SESSION", "REASONS"], rows);
}
