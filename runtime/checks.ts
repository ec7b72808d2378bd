// Small checks and conversions at the runtime's edges: ids callers pass in, bundles handed
// back for a reload, what a worker reports, and the limits a worker is given.
import { createHash } from "node:crypto";
import { PalisadeError } from "../sdk/index.ts";
import { parseUntrusted } from "../sdk/json.ts";
import { MODULE_NAME_PATTERN, TENANT_ID_PATTERN } from "../sdk/schemas.ts";
import type { Bundled } from "./api.ts";
import type { Bundle } from "./bundler/bundle.ts";
import type { Inspection } from "./bundler/registry.ts";
import type { ResolvedLimits } from "./options.ts";
import { roundMs, type CallError, type Outcome, type Reply, type WorkerLimits } from "./protocol.ts";

const TENANT = new RegExp(TENANT_ID_PATTERN);
const MODULE = new RegExp(MODULE_NAME_PATTERN);

export function checkTenant(tenant: unknown): string {
  if (typeof tenant !== "string" || !TENANT.test(tenant)) {
    throw new PalisadeError("PAL_TENANT_INVALID", `invalid tenant id ${JSON.stringify(tenant ?? null)}: use ${TENANT_ID_PATTERN}`);
  }
  return tenant;
}

export function checkModuleName(module: unknown): string {
  if (typeof module !== "string" || !MODULE.test(module)) {
    throw new PalisadeError("PAL_MODULE_NAME_INVALID", `invalid module name ${JSON.stringify(module ?? null)}: use dotted lower-case names like "myorg.policies"`);
  }
  return module;
}

/**
 * What workers call a module's code: the bundle's sha256 when it is public, otherwise a hash
 * of it with the tenant, so that caches keyed by it never span tenants.
 */
export function codeIdOf(tenant: string, sha256: string, shared: boolean): string {
  return shared ? sha256 : createHash("sha256").update(`${tenant}\0${sha256}`).digest("hex");
}

export function checkBundle(bundled: Bundled, maxBundleBytes: number): Bundle {
  if (typeof bundled?.code !== "string" || typeof bundled.map !== "string") {
    throw new PalisadeError("PAL_SOURCE_INVALID", "bundle must be { code, map } as a load returned it");
  }
  const bundleBytes = Buffer.byteLength(bundled.code);
  if (bundleBytes > maxBundleBytes) throw new PalisadeError("PAL_BUNDLE_TOO_LARGE", `bundle is ${bundleBytes} bytes; max_bundle_bytes is ${maxBundleBytes}`);
  return { code: bundled.code, map: bundled.map, sha256: createHash("sha256").update(bundled.code).digest("hex"), bundle_bytes: bundleBytes, used_files: [] };
}

export function parseInspection(reply: Extract<Reply, { type: "loaded" }>): Inspection {
  try {
    return parseUntrusted(reply.inspection) as Inspection;
  } catch (e) {
    throw new PalisadeError("PAL_REGISTRY_INVALID", `POLICY_REGISTRY contains a forbidden key: ${(e as Error).message}`);
  }
}

export function workerLimits(limits: ResolvedLimits): WorkerLimits {
  return { memory_mb: limits.memory_mb, timeout_ms: limits.timeout_ms, max_output_bytes: limits.max_output_bytes };
}

/** Milliseconds to three decimals, as decisions report them. */

export function crashed(binding: string, message: string, elapsedMs: number): Outcome {
  const error: CallError = { kind: "crash", message };
  return { binding, error, duration_ms: roundMs(elapsedMs) };
}
