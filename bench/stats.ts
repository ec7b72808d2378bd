// Small helpers shared by the bench scripts: timing loops, percentiles, and output.

/** Nearest-rank percentile of an ascending array: p99 of 1..100 is 99, p50 of 1..10 is 5. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Timing {
  p50_us: number;
  p99_us: number;
  mean_us: number;
  /** Calls per timed sample; each sample is their mean. */
  batch: number;
}

// A timed sample lasts at least this long, so the timer and the loop (~0.1 µs a call) do not
// swamp a call that takes less than a microsecond.
const SAMPLE_US = 20;
const MAX_BATCH = 1000;

// Awaits only what is a promise: an await per synchronous call would be timed as its cost.
async function timeCalls(fn: () => unknown, count: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const result = fn();
    if (result instanceof Promise) await result;
  }
  return Number(process.hrtime.bigint() - started) / 1000;
}

/**
 * Times `n` samples of `fn`, after `warmup` untimed calls; microseconds per call. Every subject
 * is timed the same way: a sample is `batch` calls in a row, batch chosen so that a sample
 * lasts ≥ 20 µs (1 for calls that slow, up to 1,000 for sub-microsecond ones); p50 and p99 are
 * then of per-sample means.
 */
export async function timeSequential(n: number, warmup: number, fn: () => unknown): Promise<Timing> {
  await timeCalls(fn, warmup);
  const probe = 100;
  const batch = Math.min(MAX_BATCH, Math.max(1, Math.ceil(SAMPLE_US / ((await timeCalls(fn, probe)) / probe))));
  const samples = new Array<number>(n);
  for (let i = 0; i < n; i++) samples[i] = (await timeCalls(fn, batch)) / batch;
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  samples.sort((a, b) => a - b);
  return { p50_us: round(percentile(samples, 50), 3), p99_us: round(percentile(samples, 99), 3), mean_us: round(mean, 3), batch };
}

/**
 * Runs calls of `fn`, `inflight` at a time: `calls` of them, or until a `performance.now()`
 * deadline. Returns calls per second; pushes each call's latency (ms) to `latenciesMs` if given.
 */
export async function throughput(calls: number | { until: number }, inflight: number, fn: (i: number) => Promise<unknown>, latenciesMs?: number[]): Promise<number> {
  const more = typeof calls === "number" ? () => next < calls : () => performance.now() < calls.until;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (more()) {
      const called = performance.now();
      await fn(next++);
      latenciesMs?.push(performance.now() - called);
    }
  }));
  return Math.round(next / ((performance.now() - started) / 1000));
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function progress(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}
