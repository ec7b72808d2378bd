// Several hosts on one store behave as one: what another host changes reaches this host's
// caches (the catalog's limits, bindings and loaded modules) and its approval listeners (long
// polls, event streams) through the store's change feed, within the time NOTIFY takes. A store
// that one host owns has no feed, and this does nothing.
import type { Approvals } from "./approvals/service.ts";
import type { Catalog } from "./catalog/index.ts";
import type { Store, StoreChange } from "./store/store.ts";

/** Follows the store's changes until the returned function is called. */
export function followStore(store: Store, catalog: Catalog, approvals: Approvals, log: (message: string) => void): () => void {
  if (!store.watch) return () => {};
  const failed = (what: string) => (e: unknown) => log(`following another host's change (${what}) failed: ${(e as Error).message}`);
  return store.watch((change: StoreChange) => {
    switch (change.kind) {
      case "tenant":
        if (change.deleted) catalog.forget(change.tenant);
        return;
      case "keys":
        return; // the store's own cache
      case "bindings":
        return catalog.bindings.invalidate(change.tenant);
      case "limits":
        return catalog.limits.invalidate(change.tenant);
      case "caps":
        return catalog.limits.invalidateAll();
      case "module":
        catalog.bindings.invalidate(change.tenant);
        return void catalog.loader.refresh(change.tenant, change.module).catch(failed(`module ${change.module}`));
      case "approval":
        return void approvals.relay(change.tenant, change.id, change.event).catch(failed(`approval ${change.id}`));
      case "reset":
        catalog.reset();
        return void approvals.recheck().catch(failed("approvals"));
    }
  });
}
