// Each tenant's effective limits (defaults, config, the tenant's own, held under the caps),
// cached until a change invalidates them. The same object is handed out until then, so the
// runtime checks it once.
import type { Limits } from "../../sdk/index.ts";
import type { HostConfig } from "../config.ts";
import { effectiveLimits, type EffectiveLimits } from "../limits.ts";
import type { Store } from "../store/store.ts";

export class LimitsCache {
  readonly #store: Store;
  readonly #config: HostConfig;
  readonly #limits = new Map<string, EffectiveLimits>();
  #caps: Limits | undefined;

  constructor(store: Store, config: HostConfig) {
    this.#store = store;
    this.#config = config;
  }

  async of(tenant: string): Promise<EffectiveLimits> {
    // While the host cannot hear of other hosts' changes, it reads them every time.
    const following = this.#store.following();
    let limits = following ? this.#limits.get(tenant) : undefined;
    if (!limits) {
      limits = Object.freeze(effectiveLimits(this.#config.limits, await this.#store.limits.get(tenant), await this.caps()));
      if (following) this.#limits.set(tenant, limits);
    }
    return limits;
  }

  /** The platform caps: the stored ones, else the config's. */
  async caps(): Promise<Limits> {
    if (!this.#store.following()) return (await this.#store.limits.caps()) ?? this.#config.caps;
    this.#caps ??= (await this.#store.limits.caps()) ?? this.#config.caps;
    return this.#caps;
  }

  invalidate(tenant: string): void {
    this.#limits.delete(tenant);
  }

  /** The caps changed: every tenant's limits may have. */
  invalidateAll(): void {
    this.#caps = undefined;
    this.#limits.clear();
  }
}
