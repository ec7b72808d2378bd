// Policies in isolates of this process, for benchmarks: through the trusted wrapper with no
// worker and no IPC (the wrapper's own cost), or as a bare script called with applySync (the
// floor of any isolated-vm call). Not for untrusted code in production: a crash here takes
// this process with it. It has a door of its own (palisade/runtime/probe), because it loads
// isolated-vm here, and palisade/runtime never does.
import ivm from "isolated-vm";
import { bundle } from "./bundler/bundle.ts";
import { CodeStore } from "./worker/code-store.ts";
import { TenantSandbox } from "./worker/sandbox.ts";
import { SyncCalls } from "./worker/sync-calls.ts";

export interface WrapperProbe {
  /** Calls the policy with an event given as JSON (with `session_state`); answers the wrapper's JSON. */
  call(eventJson: string): Promise<string>;
  dispose(): void;
}

export async function createWrapperProbe(options: { module: string; source: string; export: string; kind: "callable" | "factory"; params?: unknown }): Promise<WrapperProbe> {
  const built = await bundle(options.module, { source: options.source }, 1 << 20, "probe");
  if (!built.ok) throw new Error(`probe: ${options.module} does not bundle`);
  const code = new CodeStore();
  code.put(built.sha256, built.code);
  const sandbox = await TenantSandbox.create({ memoryMb: 64, graceMs: 100, stuckMs: 2000, onCatastrophicError: () => {}, onStuck: () => {}, sync: new SyncCalls(1000) });
  await sandbox.adopt(code, built.sha256, 500);
  await sandbox.instantiate("probe", built.sha256, options.export, options.kind, JSON.stringify(options.params ?? {}), 500);
  let id = 0;
  return {
    call: (eventJson) => sandbox.call(built.sha256, ++id, "probe", eventJson, 1 << 18, 50),
    dispose: () => sandbox.dispose(),
  };
}

export interface RawProbe {
  /** One applySync of the script's `globalThis.run(json)`, which answers a string. */
  callSync(json: string): string;
  dispose(): void;
}

/** `source` must set `globalThis.run = (json) => string`; it runs in a fresh 64 MB isolate. */
export async function createRawProbe(source: string): Promise<RawProbe> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  const context = await isolate.createContext();
  await context.eval(source, { timeout: 1000 });
  const run = (await context.global.get("run", { reference: true })) as ivm.Reference<(json: string) => string>;
  return {
    callSync: (json) => run.applySync(undefined, [json], { timeout: 50 }),
    dispose: () => isolate.dispose(),
  };
}

/**
 * The floor of a tenant's footprint, in this process's RSS: `n` bare isolates with one context
 * each (MB per isolate), then one more context in each (MB per context). A tenant holds an
 * isolate, a context for its hub and one per module.
 */
export function bareIsolateFootprint(n = 200): { isolateMb: number; contextMb: number } {
  const isolates: ivm.Isolate[] = [];
  try {
    const before = process.memoryUsage.rss();
    for (let i = 0; i < n; i++) {
      const isolate = new ivm.Isolate({ memoryLimit: 64 });
      isolates.push(isolate);
      isolate.createContextSync();
    }
    const withOne = process.memoryUsage.rss();
    for (const isolate of isolates) isolate.createContextSync();
    const withTwo = process.memoryUsage.rss();
    return { isolateMb: (withOne - before) / n / 1048576, contextMb: (withTwo - withOne) / n / 1048576 };
  } finally {
    for (const isolate of isolates) isolate.dispose();
  }
}
