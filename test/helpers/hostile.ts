// Shared by the hostile-input suites (test/runtime/hostile*.test.ts): a runtime with a
// well-behaved tenant "good", hostile tenants placed on its worker, and the three assertions
// every case makes (see those files' header).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect } from "vitest";
import { createRuntime, type Runtime, type RuntimeOptions } from "palisade/runtime";
import type { Binding, Decision, ErrorKind, Limits, PolicyEvent, Verdict } from "palisade/sdk";
import { shard } from "../../runtime/supervisor/pool.ts";


export const WORKERS = 2;
export const DEFAULTS: Limits = { timeout_ms: 10_000, memory_mb: 32 };
export const FAST: Limits = { timeout_ms: 50 };
export const EVENT: PolicyEvent = { type: "tool_call", data: { name: "fetch", arguments: { url: "https://example.com" } } };
export const GOOD_SOURCE = 'export function ok() { return { result: "ALLOW", reason: "ok" }; }\nexport const POLICY_REGISTRY = [{ handler: "good.p.ok" }];\n';
export const FINE = 'export function fine() { return { result: "ALLOW", reason: "fine" }; }';

export const fixture = (name: string) => readFileSync(new URL(`../fixtures/policies/hostile/${name}`, import.meta.url), "utf8");

/** Module "evil.p": policy `f` with `body`, and a well-behaved `fine` to show the tenant still works. */
export function evil(body: string, { async = false } = {}): string {
  return `export ${async ? "async " : ""}function f(event: any): any {\n${body}\n}\n${FINE}\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }, { handler: "evil.p.fine" }];\n`;
}


export const logs: string[] = [];
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
export const GOOD_SHARD = shard("good", WORKERS);
let serial = 0;

/** A fresh tenant id for a case, sharded onto the same worker as "good". */
export function tenantFor(name: string): string {
  const base = `h${++serial}-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40)}`;
  for (let i = 0; ; i++) if (shard(`${base}-${i}`, WORKERS) === GOOD_SHARD) return `${base}-${i}`;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createRuntime({ workers: WORKERS, defaults: DEFAULTS, log: (line) => logs.push(line), ...options });
  await runtime.load({ tenant: "good", module: "good.p", source: GOOD_SOURCE });
  return runtime;
}

/** Paths of isolated-vm's native addon among this process's shared libraries (must stay empty). */
export function isolatedVmInThisProcess(): string[] {
  const report = process.report.getReport() as unknown as { sharedObjects?: string[] };
  const objects = report.sharedObjects ?? [];
  expect(objects.length, "process.report lists this process's shared libraries").toBeGreaterThan(0);
  return objects.filter((path) => /isolated[-_]vm/i.test(path));
}

export function expectNoPrototypePollution(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

export async function evaluateGood(runtime: Runtime): Promise<Decision> {
  return runtime.evaluate({ tenant: "good", bindings: [{ id: "good", handler: "good.p.ok" }], event: EVENT });
}

export function expectGoodVerdict(d: Decision): void {
  expect(d, JSON.stringify(d)).toMatchObject({
    result: "ALLOW", reason: "good: ok", decided_by: ["good"], policies: [{ binding: "good", result: "ALLOW", error: null }],
  });
}

/**
 * Assertions 1 and 3: this process is unharmed and never loaded isolated-vm, the runtime
 * answers, "good" gets its ALLOW, and (given `tenant`) the hostile tenant's own well-behaved
 * policy still works in the same module.
 */
export async function expectUnharmed(runtime: Runtime, tenant?: string): Promise<void> {
  expect(isolatedVmInThisProcess()).toEqual([]);
  expectNoPrototypePollution();
  expectGoodVerdict(await evaluateGood(runtime));
  if (tenant !== undefined) {
    const d = await runtime.evaluate({ tenant, bindings: [{ id: "fine", handler: "evil.p.fine" }], event: EVENT });
    expect(d, JSON.stringify(d)).toMatchObject({ result: "ALLOW", reason: "fine: fine", policies: [{ error: null }] });
  }
  await expect.poll(() => runtime.healthy, { timeout: 30_000 }).toBe(true);
}

/** Assertion 2: the single binding "b" failed, with one of `kinds`, and the verdict is its on_error. */
export function expectOnError(d: Decision, onError: Verdict, kinds: readonly ErrorKind[], message?: RegExp): void {
  const context = JSON.stringify(d).slice(0, 2000);
  expect(d.policies, context).toHaveLength(1);
  const policy = d.policies[0]!;
  expect(policy.error, context).not.toBeNull();
  expect(kinds, context).toContain(policy.error!.kind);
  if (message) expect(policy.error!.message).toMatch(message);
  expect(policy.result, context).toBe(onError);
  expect(d.result, context).toBe(onError);
  expect(d.reason, context).toContain(`b: ${policy.error!.kind}: `);
  expect(d.reason, context).toContain(`(on_error ${onError})`);
}

export interface Case {
  name: string;
  source: string;
  on_error?: Verdict;
  limits?: Limits;
  event?: PolicyEvent;
  /** The error kinds the call may end in; the verdict must then be the binding's on_error. */
  kinds?: readonly ErrorKind[];
  message?: RegExp;
  /** For probes that must not fail: what the decision must show instead. */
  check?: (d: Decision) => void;
}

let shared: Runtime;

/** The runtime a test file shares between its cases: started before them, closed after. */
export function useSharedRuntime(): () => Runtime {
  beforeAll(async () => {
    shared = await startRuntime();
  });
  afterAll(async () => {
    await shared?.close();
    expect(isolatedVmInThisProcess()).toEqual([]);
  });
  return () => shared;
}

/**
 * Loads the case as module "evil.p" of a fresh tenant, evaluates binding "b" once, and asserts
 * all three. Unless `mayKillWorker`, the case must not cost a worker restart either: a restart
 * fails every request in flight on that worker, whichever tenant sent it.
 */
export async function runCase(c: Case, runtime = shared, { mayKillWorker = false } = {}): Promise<void> {
  const tenant = tenantFor(c.name);
  await runtime.load({ tenant, module: "evil.p", source: c.source });
  const restarts = runtime.stats().worker_restarts;
  const binding: Binding = { id: "b", handler: "evil.p.f", ...(c.on_error ? { on_error: c.on_error } : {}) };
  // A case that can only end in a timeout needs no long limit to wait out.
  const limits = c.limits ?? (c.kinds?.length === 1 && c.kinds[0] === "timeout" ? FAST : undefined);
  const d = await runtime.evaluate({ tenant, bindings: [binding], event: c.event ?? EVENT, ...(limits ? { limits } : {}) });
  if (c.check) c.check(d);
  else expectOnError(d, c.on_error ?? "DENY", c.kinds!, c.message);
  if (!mayKillWorker) expect(runtime.stats().worker_restarts, `the case cost a worker restart: ${logs.slice(-3).join(" | ")}`).toBe(restarts);
  await expectUnharmed(runtime, tenant);
}

export const allowedWithoutError = (reason: string) => (d: Decision) =>
  expect(d, JSON.stringify(d)).toMatchObject({ result: "ALLOW", reason: `b: ${reason}`, policies: [{ result: "ALLOW", error: null }] });

export const LOOP_FOREVER = "for (;;) {}";
export const HEAP_BOMB = "const all: any[] = []; for (;;) all.push({ n: all.length, list: [all.length, String(all.length)] });";
