// Small helpers shared by the bench scripts: timing loops, percentiles, and output.

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Timing {
  p50_us: number;
  p99_us: number;
  mean_us: number;
}

/** Times `n` sequential runs of `fn` (after `warmup` untimed ones); microseconds. */
export async function timeSequential(n: number, warmup: number, fn: () => unknown): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const mean = samples.reduce((a, b) => a + b, 0) / n;
  samples.sort((a, b) => a - b);
  return { p50_us: round(percentile(samples, 50)), p99_us: round(percentile(samples, 99)), mean_us: round(mean) };
}

/** Runs `n` calls of `fn` with `inflight` at a time; calls per second. */
export async function throughput(n: number, inflight: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (next < n) await fn(next++);
  }));
  return Math.round(n / ((performance.now() - started) / 1000));
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function progress(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}
