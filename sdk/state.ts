// How a binding's session state changes under its policy's `state_updates` (docs/design.md, "The policy model").
// Pure, so the host's store and a caller who keeps a decision's state_updates itself (it is
// exported from palisade/sdk) apply them the same way.
import type { StateUpdate } from "./types.ts";

export type SessionState = Record<string, unknown>;

/**
 * Returns the new state; `state` is not modified.
 * - `set` stores `value`; `delete` removes the key;
 * - `increment` adds `value` (default 1) to a number; a missing or non-numeric value counts as 0;
 * - `append` pushes `value` onto an array; a missing value starts one, a scalar becomes its first item.
 */
export function applyStateUpdates(state: SessionState, updates: readonly StateUpdate[]): SessionState {
  // A null-prototype copy: keys come from tenant code, and "__proto__" must stay a plain key.
  const next: SessionState = Object.assign(Object.create(null) as SessionState, state);
  for (const { key, action, value } of updates) {
    const current = next[key];
    switch (action) {
      case "set":
        next[key] = value ?? null;
        break;
      case "delete":
        delete next[key];
        break;
      case "increment":
        next[key] = (typeof current === "number" ? current : 0) + (typeof value === "number" ? value : 1);
        break;
      case "append":
        next[key] = [...(Array.isArray(current) ? current : current === undefined ? [] : [current]), value ?? null];
        break;
    }
  }
  return next;
}
