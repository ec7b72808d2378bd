// What makes a resume "the same event": its type, target, data and context (but the tenant,
// which the host sets), as canonical JSON (keys sorted at every level, so key order in the
// agent's JSON does not matter), hashed. The context is in it because policies decide on it
// (labels, usage, user) and the person who answered saw it.
import { createHash } from "node:crypto";
import type { PolicyEvent } from "../../sdk/index.ts";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort(); // as JSON drops them
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** sha256 (hex) of the canonical JSON of the event's type, target, data and context (without tenant). */
export function fingerprint(event: PolicyEvent): string {
  const { tenant: _set, ...context } = event.context ?? {};
  return createHash("sha256").update(canonical({ type: event.type, target: event.target ?? null, data: event.data, context })).digest("hex");
}
