// The options of createRuntime(), their defaults, and their checks. Unknown keys are
// refused, as esbuild does, so a typo never silently falls back to a default.
import { availableParallelism } from "node:os";
import { PalisadeError, type Limits } from "../sdk/index.ts";
import { check, validators } from "./validate.ts";

export type ResolvedLimits = Required<Limits>;

/** Defaults from the runtime issue: 64 MB, 50 ms, 1 MiB events, 256 KiB outputs. */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  memory_mb: 64,
  timeout_ms: 50,
  max_bundle_bytes: 1024 * 1024,
  max_event_bytes: 1024 * 1024,
  max_output_bytes: 256 * 1024,
  max_modules: 50,
  max_bindings: 100,
});

export interface RuntimeOptions {
  /** Sandbox worker processes. Default: the number of CPUs. */
  workers?: number;
  /** Limits for tenants that pass none. Merged over DEFAULT_LIMITS. */
  defaults?: Limits;
  /** Tenant isolates kept per worker; the least recently used idle one is dropped past it. Default 512. */
  maxIsolatesPerWorker?: number;
  /** A worker whose RSS passes this is killed and replaced. Default 2048 MB. */
  workerRssLimitMb?: number;
  /** A worker silent this long with requests in flight is killed. Default 2000 ms. */
  hangMs?: number;
  /** Where worker diagnostics go (one line each). Default: stderr. */
  log?: (line: string) => void;
}

export interface ResolvedOptions {
  workers: number;
  defaults: ResolvedLimits;
  maxIsolatesPerWorker: number;
  workerRssLimitMb: number;
  hangMs: number;
  log: (line: string) => void;
}

const KEYS = new Set(["workers", "defaults", "maxIsolatesPerWorker", "workerRssLimitMb", "hangMs", "log"]);

function positiveInteger(options: RuntimeOptions, key: keyof RuntimeOptions, fallback: number): number {
  const value = options[key] ?? fallback;
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new PalisadeError("PAL_OPTIONS_INVALID", `options.${key} must be a positive integer`);
  }
  return value as number;
}

export function resolveOptions(options: RuntimeOptions = {}): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new PalisadeError("PAL_OPTIONS_INVALID", `Invalid option in createRuntime(): "${key}"`);
  }
  if (options.log !== undefined && typeof options.log !== "function") {
    throw new PalisadeError("PAL_OPTIONS_INVALID", "options.log must be a function");
  }
  return {
    workers: positiveInteger(options, "workers", availableParallelism()),
    defaults: mergeLimits(DEFAULT_LIMITS, options.defaults),
    maxIsolatesPerWorker: positiveInteger(options, "maxIsolatesPerWorker", 512),
    workerRssLimitMb: positiveInteger(options, "workerRssLimitMb", 2048),
    hangMs: positiveInteger(options, "hangMs", 2000),
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}

/** Checks `limits` and lays it over `base`. */
export function mergeLimits(base: ResolvedLimits, limits: Limits | undefined): ResolvedLimits {
  if (limits === undefined) return base;
  return { ...base, ...check(validators.limits, limits, "PAL_LIMITS_INVALID", "invalid limits") };
}
