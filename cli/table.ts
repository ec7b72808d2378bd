// The registry as a table, for bundle and upload.
import type { PolicyInfo } from "../sdk/types.ts";

/** Handler, kind, name and params (required ones starred), in aligned columns. */
export function registryTable(policies: PolicyInfo[]): string {
  const rows = policies.map((p) => {
    const schema = p.params_schema as { properties?: Record<string, unknown>; required?: string[] } | null;
    const params = Object.keys(schema?.properties ?? {}).map((k) => (schema?.required?.includes(k) ? `${k}*` : k)).join(", ");
    return [p.handler, p.kind, p.name, params || "—"];
  });
  const header = ["HANDLER", "KIND", "NAME", "PARAMS (* required)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
