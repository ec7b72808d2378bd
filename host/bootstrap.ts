// The first admin key. PALISADE_ADMIN_KEY, when set, is accepted (its hash is stored on start)
// and replaces any key generated at an earlier start, which is revoked: an operator who sets
// the variable must not leave a forgotten key working. Without it, the first start with no
// admin key generates one, which the start banner shows once. Only hashes are kept.
import { PalisadeError } from "../sdk/index.ts";
import { hashKey, newKey } from "./auth.ts";
import type { Store } from "./store/store.ts";

/** The name a generated admin key is stored under. */
export const GENERATED_KEY_NAME = "generated at first start";
// What earlier versions named theirs.
const GENERATED_NAMES = new Set([GENERATED_KEY_NAME, "bootstrap"]);

export interface AdminKeyStart {
  /** The key this start generated (shown once), or null. */
  generated: { id: string; key: string } | null;
  /** Ids of generated keys that PALISADE_ADMIN_KEY replaced. */
  revoked: string[];
}

export async function ensureAdminKey(store: Store, envKey: string | undefined): Promise<AdminKeyStart> {
  const created_at = new Date().toISOString();
  if (envKey !== undefined) {
    if (envKey.length < 24 || /\s/.test(envKey)) {
      throw new PalisadeError("PAL_CONFIG_INVALID", "PALISADE_ADMIN_KEY must be at least 24 characters with no spaces; generate one with: openssl rand -hex 24");
    }
    if (!(await store.keys.find(hashKey(envKey)))) {
      try {
        await store.keys.create({ id: newKey("admin").id, tenant: null, role: "admin", name: "PALISADE_ADMIN_KEY", created_at }, hashKey(envKey));
      } catch {
        // The hash is stored already: by another host starting on the same store at this moment
        // (then it is found now), or it was revoked, and must not come back.
        if (!(await store.keys.find(hashKey(envKey)))) throw new PalisadeError("PAL_CONFIG_INVALID", "PALISADE_ADMIN_KEY was revoked; set a new key");
      }
    }
    const revoked: string[] = [];
    for (const key of await store.keys.list(null)) {
      if (GENERATED_NAMES.has(key.name) && (await store.keys.revoke(null, key.id))) revoked.push(key.id);
    }
    return { generated: null, revoked };
  }
  if (await store.keys.hasAdmin()) return { generated: null, revoked: [] };
  const generated = newKey("admin");
  await store.keys.create({ id: generated.id, tenant: null, role: "admin", name: GENERATED_KEY_NAME, created_at }, generated.hash);
  return { generated: { id: generated.id, key: generated.key }, revoked: [] };
}
