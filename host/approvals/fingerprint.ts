// What makes a resume "the same event": its type, target, data and context (but the tenant,
// which the host sets), as canonical JSON (keys sorted at every level, so key order in the
// agent's JSON does not matter), hashed. The context is in it because policies decide on it
// (labels, usage, user) and the person who answered saw it.
import { createHash } from "node:crypto";
import type { PolicyEvent } from "../../sdk/index.ts";
import { canonicalJson as canonical } from "../../sdk/json.ts";

/** sha256 (hex) of the canonical JSON of the event's type, target, data and context (without tenant). */
export function fingerprint(event: PolicyEvent): string {
  const { tenant: _set, ...context } = event.context ?? {};
  return createHash("sha256").update(canonical({ type: event.type, target: event.target ?? null, data: event.data, context })).digest("hex");
}
