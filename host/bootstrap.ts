// The first admin key. PALISADE_ADMIN_KEY, when set, is accepted (its hash is stored on
// start); otherwise the first start with no admin key generates one, and main.ts prints it
// once. Either way only the hash is kept.
import { PalisadeError } from "../sdk/index.ts";
import { hashKey, newKey } from "./auth.ts";
import type { Store } from "./store/store.ts";

export async function ensureAdminKey(store: Store, envKey: string | undefined): Promise<string | null> {
  const created_at = new Date().toISOString();
  if (envKey !== undefined) {
    if (envKey.length < 24 || /\s/.test(envKey)) {
      throw new PalisadeError("PAL_CONFIG_INVALID", "PALISADE_ADMIN_KEY must be at least 24 characters with no spaces");
    }
    if (!(await store.keys.find(hashKey(envKey)))) {
      try {
        await store.keys.create({ id: newKey("admin").id, tenant: null, role: "admin", name: "PALISADE_ADMIN_KEY", created_at }, hashKey(envKey));
      } catch {
        // The hash is stored already, so this key was revoked: it must not come back.
        throw new PalisadeError("PAL_CONFIG_INVALID", "PALISADE_ADMIN_KEY was revoked; set a new key");
      }
    }
    return null;
  }
  if (await store.keys.hasAdmin()) return null;
  const generated = newKey("admin");
  await store.keys.create({ id: generated.id, tenant: null, role: "admin", name: "bootstrap", created_at }, generated.hash);
  return generated.key;
}
