// palisade/sdk/testing: run a policy module in the real sandbox (same bundler, wrapper,
// isolates and limits as the host) from an author's own tests.
import path from "node:path";
import { createRuntime, moduleNameFrom, readUpload, type Bundled, type LoadResult, type Runtime } from "../../runtime/index.ts";
import { isPalisadeError, PalisadeError } from "../errors.ts";
import type { Binding, Decision, Limits, ModuleSource, PolicyErrorInfo, PolicyEvent, PolicyInfo, StateUpdate, Verdict } from "../types.ts";

export interface LoadOptions {
  /** The module name; by default read from the handlers in POLICY_REGISTRY. */
  module?: string;
  /** For a path: the folder whose files the module may import. Default: the entry's folder. */
  root?: string;
  /** Sandbox limits, as a tenant would have them. Default: the runtime defaults. */
  limits?: Limits;
}

/** What one policy said about one event. */
export interface PolicyOutcome {
  /** ALLOW, ASK or DENY; null when the policy abstained. A failed call shows its on_error (DENY). */
  result: Verdict | null;
  reason: string | null;
  data: unknown;
  /** Kept by the host only when the decision is ALLOW or DENY. */
  state_updates: StateUpdate[];
  /** Set when the call failed: timeout, memory, crash, throw or invalid_result. */
  error: PolicyErrorInfo | null;
}

let shared: Promise<Runtime> | undefined;
let modulesLoaded = 0;

// One sandbox worker serves every module a test process loads; it does not keep the process
// alive while idle, and closeSandbox() stops it at once.
function sandbox(): Promise<Runtime> {
  if (!shared) {
    const starting = createRuntime({ workers: 1 });
    shared = starting;
    // A worker that failed to start once must not fail every later load of the process.
    starting.catch(() => {
      if (shared === starting) shared = undefined;
    });
  }
  return shared;
}

/** Stops the shared sandbox worker (optional: an idle sandbox never holds the process open). */
export async function closeSandbox(): Promise<void> {
  const runtime = shared;
  shared = undefined;
  await (await runtime)?.close();
}

export class PolicyModule {
  /** The module's name, e.g. `myorg.policies`. */
  readonly module: string;
  /** The sha256 of the bundle, hex. */
  readonly sha256: string;
  /** The bundled script and its source map, as the sandbox runs them. */
  readonly bundle: Bundled;
  /** The size of `bundle.code`, bytes. */
  readonly bundleBytes: number;
  /** Its POLICY_REGISTRY with defaults applied. */
  readonly policies: PolicyInfo[];
  readonly #runtime: Runtime;
  readonly #tenant: string;
  readonly #limits: Limits | undefined;

  constructor(runtime: Runtime, tenant: string, loaded: LoadResult, limits: Limits | undefined) {
    this.#runtime = runtime;
    this.#tenant = tenant;
    this.#limits = limits;
    this.module = loaded.module;
    this.sha256 = loaded.sha256;
    this.bundle = loaded.bundle;
    this.bundleBytes = loaded.bundle_bytes;
    this.policies = loaded.policies;
  }

  /**
   * Runs one policy (`handler`, with `params` for a factory) against an event.
   * @example
   * const outcome = await mod.evaluate("myorg.policies.block_domains", { blocked_domains: ["evil.com"] }, event);
   * expect(outcome.result).toBe("DENY");
   */
  async evaluate(handler: string, params: Record<string, unknown> | undefined, event: PolicyEvent, state?: Record<string, unknown>): Promise<PolicyOutcome> {
    const binding: Binding = { id: "policy", handler: this.#qualify(handler), ...(params === undefined ? {} : { params }) };
    const decision = await this.decide([binding], event, state ? { policy: state } : undefined);
    const policy = decision.policies[0];
    if (!policy) return { result: null, reason: null, data: null, state_updates: [], error: null };
    return {
      result: policy.result,
      reason: policy.reason,
      data: decision.data,
      state_updates: decision.state_updates?.[0]?.updates ?? [],
      error: policy.error,
    };
  }

  /** Runs bindings against an event and combines them as the host does (docs/design.md, "Combining a decision"). */
  async decide(bindings: Binding[], event: PolicyEvent, state?: Record<string, Record<string, unknown>>): Promise<Decision> {
    try {
      return await this.#runtime.evaluate({ tenant: this.#tenant, bindings, event, ...(this.#limits ? { limits: this.#limits } : {}), ...(state ? { state } : {}) });
    } catch (e) {
      if (isPalisadeError(e) && (e.code === "PAL_HANDLER_NOT_FOUND" || e.code === "PAL_MODULE_NOT_FOUND")) {
        throw new PalisadeError(e.code, `${e.message}; ${this.module} has: ${this.policies.map((p) => p.handler).join(", ") || "no policies"}`, e.details);
      }
      throw e;
    }
  }

  /** Forgets the module (the shared sandbox stays up for other modules). */
  async close(): Promise<void> {
    await this.#runtime.unload({ tenant: this.#tenant, module: this.module });
  }

  // Accepts `block_domains` as well as `myorg.policies.block_domains`.
  #qualify(handler: string): string {
    return handler.includes(".") ? handler : `${this.module}.${handler}`;
  }
}

/**
 * Reads a module as loadPolicyModule does, without loading it: a path to its entry file (sent
 * with every source file of its folder, or of `root`), `{ source }` or `{ files, entry }`. The
 * name is `module`, else the prefix of the handlers in its POLICY_REGISTRY.
 * @example
 * const { module, source } = readPolicyModule("./policies/myorg/policies.ts");
 * await client.uploadModule("acme", module, source);
 */
export function readPolicyModule(input: string | ModuleSource, options: Pick<LoadOptions, "module" | "root"> = {}): { module: string; source: ModuleSource } {
  const source: ModuleSource = typeof input === "string" ? readUpload(path.resolve(input), options.root && path.resolve(options.root)) : input;
  const entryText = "source" in source ? source.source : (source.files[source.entry] ?? "");
  const module = options.module ?? moduleNameFrom(entryText);
  if (!module) {
    const where = typeof input === "string" ? input : "the source";
    throw new PalisadeError("PAL_MODULE_NAME_INVALID", `cannot tell the module name of ${where}: its POLICY_REGISTRY names no handler; pass { module: "myorg.policies" }`);
  }
  return { module, source };
}

/**
 * Loads a module into the real sandbox: a path to its entry file, `{ source }` or
 * `{ files, entry }`. Compile errors throw PAL_BUNDLE_FAILED with `file:line:col` diagnostics;
 * a bad registry throws PAL_REGISTRY_INVALID.
 * @example
 * const mod = await loadPolicyModule("./policies/myorg/policies.ts");
 */
export async function loadPolicyModule(input: string | ModuleSource, options: LoadOptions = {}): Promise<PolicyModule> {
  const { module, source } = readPolicyModule(input, options);
  const runtime = await sandbox();
  const tenant = `test-${process.pid}-${++modulesLoaded}`;
  const loaded = await runtime.load({ tenant, module, ...source, ...(options.limits ? { limits: options.limits } : {}) });
  return new PolicyModule(runtime, tenant, loaded, options.limits);
}
