// Effective tenant limits: runtime defaults, then the config's defaults, then the tenant's own
// settings, each field held under the platform cap. Caps bind every role; an admin raises a
// cap to grant more.
import { DEFAULT_LIMITS } from "../runtime/index.ts";
import { PalisadeError, type Limits } from "../sdk/index.ts";

export type EffectiveLimits = Required<Limits>;
type Field = keyof Limits;

export function effectiveLimits(defaults: Limits, tenant: Limits, caps: Limits): EffectiveLimits {
  const merged: EffectiveLimits = { ...DEFAULT_LIMITS, ...defaults, ...tenant };
  for (const field of Object.keys(merged) as Field[]) {
    const cap = caps[field];
    if (cap !== undefined && merged[field] > cap) merged[field] = cap;
  }
  return merged;
}

/** Refuses limits over the caps (422, naming the first field). */
export function checkWithinCaps(limits: Limits, caps: Limits): void {
  for (const field of Object.keys(limits) as Field[]) {
    const cap = caps[field];
    if (cap !== undefined && limits[field]! > cap) {
      throw new PalisadeError("PAL_LIMIT_OVER_CAP", `${field} ${limits[field]} is over the platform cap of ${cap}`, { field, cap });
    }
  }
}
