// The workers' memory, and the one way the bench turns it into "RSS per tenant": both the
// density scenario and bench:runtime hold it to the same ≤ 3 MB target.
import type { Runtime } from "palisade/runtime";

export interface Footprint {
  rss_mb: number;
  /** Of which the tenant isolates' V8 heaps. */
  heap_mb: number;
  isolates: number;
}

/** The workers' RSS and live isolates, summed, once two heartbeats have refreshed them. */
export async function footprint(rt: Runtime): Promise<Footprint> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const workers = rt.stats().workers;
  const sum = (key: "rss_mb" | "heap_mb" | "isolates") => workers.reduce((n, w) => n + w[key], 0);
  return { rss_mb: sum("rss_mb"), heap_mb: sum("heap_mb"), isolates: sum("isolates") };
}

/** MB of RSS per isolate added since `before`; each bench tenant holds one isolate. */
export function mbPerIsolate(before: Footprint, after: Footprint): number {
  const added = after.isolates - before.isolates;
  if (added <= 0) throw new Error(`no isolates were added (${before.isolates} → ${after.isolates}): nothing to divide the RSS by`);
  return (after.rss_mb - before.rss_mb) / added;
}
