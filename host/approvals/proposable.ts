// What an agent may propose for its session, and as what the approver sees it. A proposal may
// not weaken itself (shadow, allowing on error, disabled), may not hide anything past a cut or
// behind its own key order, and may not grant: a policy whose ALLOW is a permission
// (RegistryEntry.grants) would, once a person accepted it, let the agent skip its client's own
// prompts for whatever the policy allows.
import { PalisadeError, type Binding } from "../../sdk/index.ts";
import type { Catalog } from "../catalog/index.ts";

// A proposal's JSON, in full, is what its approver reads: kept to what a person can read.
const MAX_PROPOSAL_BYTES = 16 * 1024;

/**
 * The binding a proposal would create, with every field spelled out in one fixed order. A
 * proposal may not weaken itself: it enforces, it is enabled, and its errors do not allow.
 * Throws PAL_PROPOSAL_WEAKENS (422) naming the field otherwise.
 */
export function proposalBinding(b: Binding): Binding {
  const weakening = b.mode === "shadow" ? "mode: a proposal enforces (mode \"enforce\"); shadow bindings are for the security team to add"
    : b.on_error === "ALLOW" ? "on_error: a proposal may not allow on error; use \"DENY\" (the default) or \"ASK\""
    : b.enabled === false ? "enabled: a proposal is enabled; a disabled one would do nothing" : null;
  if (weakening) throw new PalisadeError("PAL_PROPOSAL_WEAKENS", `the proposal may not weaken itself: ${weakening}`, { field: weakening.slice(0, weakening.indexOf(":")) });
  const canonical: Binding = {
    id: b.id,
    handler: b.handler,
    mode: "enforce",
    on_error: b.on_error ?? "DENY",
    ...(b.events ? { events: b.events } : {}),
    ...(b.order !== undefined ? { order: b.order } : {}),
    enabled: true,
    ...(b.ask_timeout_s !== undefined ? { ask_timeout_s: b.ask_timeout_s } : {}),
    ...(b.approve_via ? { approve_via: b.approve_via } : {}),
    params: b.params ?? {},
  };
  const bytes = Buffer.byteLength(JSON.stringify(canonical));
  if (bytes > MAX_PROPOSAL_BYTES) throw new PalisadeError("PAL_BODY_TOO_LARGE", `the proposal is ${bytes} bytes of JSON; proposals are limited to ${MAX_PROPOSAL_BYTES} so that a person can read all of it`);
  return canonical;
}

/** Checks `binding` as a proposal for `tenant` (above, and that its policy does not grant); the binding as the approver will see it. */
export async function proposable(catalog: Catalog, tenant: string, binding: Binding): Promise<Binding> {
  const canonical = proposalBinding(binding);
  const policy = (await catalog.loader.policies(tenant)).find((p) => p.handler === binding.handler);
  if (policy?.grants) {
    throw new PalisadeError("PAL_PROPOSAL_WEAKENS", `the proposal may not weaken itself: handler: ${binding.handler} grants permission (its ALLOW skips the client's own prompts); only the security team binds it`, { field: "handler" });
  }
  return canonical;
}
