// What makes a resume "the same event": its type, target and data, as canonical JSON (keys
// sorted at every level, so key order in the agent's JSON does not matter), hashed.
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

/** sha256 (hex) of the canonical JSON of the event's type, target and data. */
export function fingerprint(event: PolicyEvent): string {
  return createHash("sha256").update(canonical({ type: event.type, target: event.target ?? null, data: event.data })).digest("hex");
}
