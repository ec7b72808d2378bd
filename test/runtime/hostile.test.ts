// Hostile input (docs/design.md, "Hostile input"). Every case asserts the same three things:
//  1. the caller's process is alive, has never loaded isolated-vm, and the runtime still answers;
//  2. the verdict is the binding's on_error result with the right error kind (or, for probes
//     that must not fail, that the policy found nothing of the host), and uploads are refused
//     with the right code;
//  3. a well-behaved tenant evaluated right after gets its correct verdict.
// Hostile tenants are placed on the same worker as the well-behaved tenant "good", so
// "unaffected" is tested where it is hardest. In the shared runtime no case may cost a worker
// restart; the cases that kill a worker on purpose get a runtime of their own.
//
// No outcome depends on how loaded the machine is: a case that must end in a timeout runs under
// FAST (50 ms), and every other case under a time limit that load cannot reach (DEFAULTS), so a
// memory bomb ends as memory and a deep recursion as a throw, never as a timeout by luck.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRuntime, type LoadRequest, type Runtime, type RuntimeOptions } from "palisade/runtime";
import type { Binding, Decision, ErrorKind, Limits, PolicyEvent, Verdict } from "palisade/sdk";
import { shard } from "../../runtime/supervisor/pool.ts";
import { rejection } from "../helpers/rejection.ts";

const WORKERS = 2;
const DEFAULTS: Limits = { timeout_ms: 10_000, memory_mb: 32 };
const FAST: Limits = { timeout_ms: 50 };
const EVENT: PolicyEvent = { type: "tool_call", data: { name: "fetch", arguments: { url: "https://example.com" } } };
const GOOD_SOURCE = 'export function ok() { return { result: "ALLOW", reason: "ok" }; }\nexport const POLICY_REGISTRY = [{ handler: "good.p.ok" }];\n';
const FINE = 'export function fine() { return { result: "ALLOW", reason: "fine" }; }';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/policies/hostile/${name}`, import.meta.url), "utf8");

/** Module "evil.p": policy `f` with `body`, and a well-behaved `fine` to show the tenant still works. */
function evil(body: string, { async = false } = {}): string {
  return `export ${async ? "async " : ""}function f(event: any): any {\n${body}\n}\n${FINE}\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }, { handler: "evil.p.fine" }];\n`;
}

// ---------------------------------------------------------------- helpers

const logs: string[] = [];
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();
const GOOD_SHARD = shard("good", WORKERS);
let serial = 0;

/** A fresh tenant id for a case, sharded onto the same worker as "good". */
function tenantFor(name: string): string {
  const base = `h${++serial}-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40)}`;
  for (let i = 0; ; i++) if (shard(`${base}-${i}`, WORKERS) === GOOD_SHARD) return `${base}-${i}`;
}

async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = await createRuntime({ workers: WORKERS, defaults: DEFAULTS, log: (line) => logs.push(line), ...options });
  await runtime.load({ tenant: "good", module: "good.p", source: GOOD_SOURCE });
  return runtime;
}

/** Paths of isolated-vm's native addon among this process's shared libraries (must stay empty). */
function isolatedVmInThisProcess(): string[] {
  const report = process.report.getReport() as unknown as { sharedObjects?: string[] };
  const objects = report.sharedObjects ?? [];
  expect(objects.length, "process.report lists this process's shared libraries").toBeGreaterThan(0);
  return objects.filter((path) => /isolated[-_]vm/i.test(path));
}

function expectNoPrototypePollution(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

async function evaluateGood(runtime: Runtime): Promise<Decision> {
  return runtime.evaluate({ tenant: "good", bindings: [{ id: "good", handler: "good.p.ok" }], event: EVENT });
}

function expectGoodVerdict(d: Decision): void {
  expect(d, JSON.stringify(d)).toMatchObject({
    result: "ALLOW", reason: "good: ok", decided_by: ["good"], policies: [{ binding: "good", result: "ALLOW", error: null }],
  });
}

/**
 * Assertions 1 and 3: this process is unharmed and never loaded isolated-vm, the runtime
 * answers, "good" gets its ALLOW, and (given `tenant`) the hostile tenant's own well-behaved
 * policy still works in the same module.
 */
async function expectUnharmed(runtime: Runtime, tenant?: string): Promise<void> {
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
function expectOnError(d: Decision, onError: Verdict, kinds: readonly ErrorKind[], message?: RegExp): void {
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

interface Case {
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

let rt: Runtime;

/**
 * Loads the case as module "evil.p" of a fresh tenant, evaluates binding "b" once, and asserts
 * all three. Unless `mayKillWorker`, the case must not cost a worker restart either: a restart
 * fails every request in flight on that worker, whichever tenant sent it.
 */
async function runCase(c: Case, runtime = rt, { mayKillWorker = false } = {}): Promise<void> {
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

const allowedWithoutError = (reason: string) => (d: Decision) =>
  expect(d, JSON.stringify(d)).toMatchObject({ result: "ALLOW", reason: `b: ${reason}`, policies: [{ result: "ALLOW", error: null }] });

beforeAll(async () => {
  rt = await startRuntime();
});
afterAll(async () => {
  await rt?.close();
  expect(isolatedVmInThisProcess()).toEqual([]);
});

it("runs hostile tenants next to 'good' and never loads isolated-vm into this process", async () => {
  expect(shard(tenantFor("probe"), WORKERS)).toBe(GOOD_SHARD);
  await expectUnharmed(rt);
});

// ---------------------------------------------------------------- time

const LOOP_FOREVER = "for (;;) {}";

describe("time: loops, ReDoS, microtasks, promises that never settle", () => {
  const cases: Case[] = [
    { name: "infinite loop", source: evil(LOOP_FOREVER), kinds: ["timeout"] },
    { name: "infinite loop, on_error ASK", source: evil(LOOP_FOREVER), on_error: "ASK", kinds: ["timeout"] },
    { name: "infinite loop, on_error ALLOW (only because the binding asks for it)", source: evil("while (true) {}"), on_error: "ALLOW", kinds: ["timeout"] },
    { name: "infinite loop on the thread pool (timeout_ms 300)", source: evil(LOOP_FOREVER), limits: { timeout_ms: 300 }, on_error: "ASK", kinds: ["timeout"] },
    { name: "a loop that tries to catch its own termination", source: evil("for (;;) { try { for (;;) {} } catch { /* termination cannot be caught */ } }"), kinds: ["timeout"] },
    { name: "ReDoS /^(a+)+$/ on a long string", source: evil('return { result: "ALLOW", reason: String(/^(a+)+$/.test("a".repeat(40) + "!")) };'), on_error: "ASK", kinds: ["timeout"] },
    { name: "ReDoS on the thread pool", source: evil('return { result: "ALLOW", reason: String(/^(a+)+$/.test("a".repeat(40) + "!")) };'), limits: { timeout_ms: 300 }, kinds: ["timeout"] },
    { name: "runaway microtask chain after a sync return", source: evil("const spin = (): Promise<void> => Promise.resolve().then(spin); spin(); return null;"), kinds: ["timeout"] },
    { name: "runaway await loop in an async policy", source: evil("for (;;) await null;", { async: true }), on_error: "ASK", kinds: ["timeout"] },
    { name: "never-settling promise", source: evil("return new Promise(() => {});"), on_error: "ASK", kinds: ["timeout"], message: /never settles/ },
    { name: "async policy awaiting a never-settling promise", source: evil('await new Promise(() => {}); return { result: "ALLOW" };', { async: true }), kinds: ["timeout"], message: /never settles/ },
    {
      name: "factory that never returns",
      source: `export function f(params: any) { ${LOOP_FOREVER} }\n${FINE}\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f", kind: "factory" }, { handler: "evil.p.fine" }];\n`,
      on_error: "ASK", kinds: ["timeout"],
    },
  ];
  it.each(cases)("$name", (c) => runCase(c));
});

// ---------------------------------------------------------------- memory

const HEAP_BOMB = "const all: any[] = []; for (;;) all.push({ n: all.length, list: [all.length, String(all.length)] });";

describe("memory: heap and ArrayBuffer bombs, huge strings and outputs", () => {
  const cases: Case[] = [
    { name: "heap bomb (growing array of objects)", source: evil(HEAP_BOMB), kinds: ["memory"] },
    { name: "heap bomb, on_error ASK", source: evil(HEAP_BOMB), on_error: "ASK", kinds: ["memory"] },
    { name: "ArrayBuffer bomb", source: evil("const all: ArrayBuffer[] = []; for (;;) all.push(new ArrayBuffer(16 * 1024 * 1024));"), kinds: ["memory"] },
    { name: "ArrayBuffer bomb, on_error ASK", source: evil("const all: ArrayBuffer[] = []; for (;;) all.push(new ArrayBuffer(16 * 1024 * 1024));"), on_error: "ASK", kinds: ["memory"] },
    // With room in the heap for it, a 50e6-character reason can only fail as too large an output.
    { name: "huge string as the reason (50e6 characters)", source: evil('return { result: "ALLOW", reason: "x".repeat(50e6) };'), limits: { memory_mb: 512 }, on_error: "ASK", kinds: ["invalid_result"] },
    { name: "output over max_output_bytes", source: evil('return { result: "ALLOW", data: "x".repeat(300 * 1024) };'), kinds: ["invalid_result"], message: /max_output_bytes is 262144/ },
    {
      name: "output over max_output_bytes counted in bytes, not characters",
      source: evil('return { result: "ALLOW", data: "é".repeat(600) };'), limits: { max_output_bytes: 1000 },
      on_error: "ASK", kinds: ["invalid_result"], message: /bytes of JSON; max_output_bytes is 1000/,
    },
  ];
  it.each(cases)("$name", (c) => runCase(c));
});

// ---------------------------------------------------------------- crashes

describe("crashes: getters and Proxies on thrown and returned values", () => {
  const LOOPING_PROXY = "new Proxy({}, { get() { for (;;) {} } })";
  const cases: Case[] = [
    { name: "thrown object with a looping get message()", source: evil("throw { get message() { for (;;) {} } };"), on_error: "ASK", kinds: ["timeout"] },
    { name: "thrown object with a looping get message(), on the thread pool", source: evil("throw { get message() { for (;;) {} } };"), limits: { timeout_ms: 300 }, kinds: ["timeout"] },
    { name: "thrown Proxy with a looping get trap", source: evil(`throw ${LOOPING_PROXY};`), kinds: ["timeout"] },
    { name: "thrown Proxy with a looping get trap, on the thread pool", source: evil(`throw ${LOOPING_PROXY};`), limits: { timeout_ms: 300 }, on_error: "ASK", kinds: ["timeout"] },
    { name: "thrown revoked Proxy", source: evil("const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy;"), on_error: "ASK", kinds: ["throw"] },
    {
      name: "thrown object whose getters throw looping Proxies",
      source: evil(`const bomb = () => { throw ${LOOPING_PROXY}; };\nthrow { get name() { return bomb(); }, get message() { return bomb(); }, get stack() { return bomb(); } };`),
      kinds: ["throw"],
    },
    { name: "thrown object whose message has a looping Symbol.toPrimitive", source: evil("throw { message: { [Symbol.toPrimitive]() { for (;;) {} }, toString() { for (;;) {} } } };"), kinds: ["throw"] },
    { name: "thrown huge message", source: evil('throw new Error("x".repeat(10e6));'), limits: { memory_mb: 256 }, on_error: "ASK", kinds: ["throw"], message: /Error: x{1000}…$/ },
    { name: "async policy rejecting with a looping getter", source: evil("throw { get message() { for (;;) {} } };", { async: true }), on_error: "ASK", kinds: ["timeout"] },
    { name: "returned value with a looping getter", source: evil("return { get result() { for (;;) {} } };"), kinds: ["timeout"] },
    { name: "returned value with a looping getter, on the thread pool", source: evil("return { get result() { for (;;) {} } };"), limits: { timeout_ms: 300 }, on_error: "ASK", kinds: ["timeout"] },
    { name: "returned value with a looping get then()", source: evil("return { get then() { for (;;) {} } };"), on_error: "ASK", kinds: ["timeout"] },
    { name: "returned value whose get then() throws", source: evil('return { get then() { throw new Error("no then"); } };'), kinds: ["invalid_result"] },
    { name: "returned thenable whose then() loops", source: evil("return { then() { for (;;) {} } };"), kinds: ["timeout"] },
    { name: "resolved value with a looping getter (async policy)", source: evil("return { get result() { for (;;) {} } };", { async: true }), kinds: ["timeout"] },
    { name: "returned Proxy with a looping get trap", source: evil(`return ${LOOPING_PROXY};`), kinds: ["timeout"] },
    { name: "returned Proxy whose ownKeys trap throws", source: evil('return new Proxy({ result: "ALLOW" }, { ownKeys() { throw new Error("no keys"); } });'), on_error: "ASK", kinds: ["invalid_result"] },
    { name: "returned Proxy that lies about its keys", source: evil('return new Proxy({}, { ownKeys: () => ["result"], getOwnPropertyDescriptor: () => ({ value: "ALLOW", enumerable: true, configurable: true }), get: () => "MAYBE" });'), kinds: ["invalid_result"] },
    { name: "returned revoked Proxy", source: evil("const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy;"), kinds: ["invalid_result"] },
  ];
  it.each(cases)("$name", (c) => runCase(c));
});

// ---------------------------------------------------------------- escapes

describe("escapes: recursion, the Function constructor, host globals", () => {
  const RECURSE = 'const down = (n: number): number => down(n + 1) + 1;\nreturn { result: "ALLOW", reason: String(down(0)) };';
  const NEST = (depth: number) => `let o: any = {}; for (let i = 0; i < ${depth}; i++) o = { a: o }; return { result: "ALLOW", data: o };`;
  const cases: Case[] = [
    { name: "deep recursion", source: evil(RECURSE), on_error: "ASK", kinds: ["throw"], message: /Maximum call stack size exceeded/ },
    { name: "recursion inside a getter read while serialising", source: evil('return { result: "ALLOW", get reason(): string { return this.reason; } };'), kinds: ["invalid_result"] },
    // Data the isolate can serialise but the worker or the host cannot (their JSON.stringify
    // recurses) must be refused as invalid_result; it must never take the worker down.
    { name: "data nested 100,000 levels deep", source: evil(NEST(100_000)), limits: { memory_mb: 256 }, kinds: ["invalid_result"] },
    { name: "data nested 10,000 levels deep", source: evil(NEST(10_000)), limits: { memory_mb: 256 }, on_error: "ASK", kinds: ["invalid_result"], message: /nests deeper than 64 levels/ },
    {
      name: 'constructor.constructor("return process")() finds no process',
      source: evil(`let found: string;
try { found = typeof (({}).constructor.constructor("return process")()); } catch (e) { found = "threw " + (e as Error).name; }
return { result: "DENY", reason: found };`),
      check: (d) => {
        expect(d.result).toBe("DENY");
        expect(d.policies[0]!.error).toBeNull();
        expect(["b: undefined", "b: threw ReferenceError"]).toContain(d.reason);
      },
    },
    {
      name: "escape probe: host globals, Function constructors, dynamic import, stack frames",
      source: fixture("escape-probe.ts"),
      check: (d) => {
        expect(d).toMatchObject({ result: "ALLOW", reason: "b: probed", policies: [{ error: null }] });
        const report = d.data as Record<string, string>;
        for (const name of ["require", "process", "fetch", "WebAssembly", "SharedArrayBuffer", "Atomics", "module", "exports", "Buffer", "global", "setTimeout", "setImmediate", "XMLHttpRequest", "ivm", "_ivm"]) {
          expect(report[`typeof ${name}`], name).toBe("undefined");
          expect(report[`globalThis.${name}`], name).toBe("undefined");
        }
        for (const probe of [
          "(function(){}).constructor('return process')()",
          "({}).constructor.constructor('return process')()",
          "event.constructor.constructor('return process')()",
          "async constructor('return process')()",
        ]) expect(report[probe], probe).toBe("threw ReferenceError");
        expect(report["Function('return this')().process"]).toBe("undefined");
        expect(report["import('node:fs')"]).toMatch(/^threw /);
        expect(report["import('child_process')"]).toMatch(/^threw /);
        expect(report["arguments.callee.caller"]).toBe("null");
        // The probe does see the wrapper's frames (so it would see a leak), but gets nothing from them.
        expect(Number(report["call sites in the wrapper"])).toBeGreaterThanOrEqual(1);
        expect(report["call sites exposing a function"]).toBe("0");
        expect(report["call sites exposing this"]).toBe("0");
      },
    },
    {
      name: "replaced intrinsics (JSON, Reflect.apply, Map, Promise, String) do not fool the wrapper",
      source: fixture("poison-intrinsics.ts"),
      check: (d) => expect(d).toMatchObject({ result: "DENY", reason: "b: poisoned", policies: [{ result: "DENY", error: null }] }),
    },
  ];
  it.each(cases)("$name", (c) => runCase(c));
});

// ---------------------------------------------------------------- pollution and shapes

const PROTO_EVENT = JSON.parse(
  '{"type":"tool_call","data":{"name":"fetch","arguments":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}}',
) as PolicyEvent;

describe("pollution: __proto__ and constructor.prototype keys in results and data", () => {
  const cases: Case[] = [
    { name: "own __proto__ key in the result", source: evil(`return JSON.parse('{"result":"ALLOW","__proto__":{"polluted":"yes"}}');`), kinds: ["invalid_result"], message: /forbidden key/ },
    { name: "own __proto__ key in data", source: evil(`return { result: "ALLOW", data: JSON.parse('{"__proto__":{"polluted":"yes"}}') };`), on_error: "ASK", kinds: ["invalid_result"], message: /forbidden key/ },
    { name: "own __proto__ key deep inside data", source: evil(`return { result: "ALLOW", data: { list: [1, { inner: JSON.parse('{"__proto__":{"polluted":"yes"}}') }] } };`), kinds: ["invalid_result"] },
    { name: "constructor.prototype in the result", source: evil('return { result: "ALLOW", constructor: { prototype: { polluted: "yes" } } };'), kinds: ["invalid_result"] },
    { name: "constructor.prototype in data", source: evil('return { result: "ALLOW", data: { constructor: { prototype: { polluted: "yes" } } } };'), on_error: "ASK", kinds: ["invalid_result"], message: /forbidden key/ },
    { name: "__proto__ produced by toJSON", source: evil(`return { toJSON() { return JSON.parse('{"result":"ALLOW","__proto__":{"polluted":"yes"}}'); } };`), kinds: ["invalid_result"] },
    { name: "event data with __proto__ and constructor keys, echoed back as data", source: evil('return { result: "ALLOW", data: event.data };'), event: PROTO_EVENT, kinds: ["invalid_result"] },
    {
      name: "event data with __proto__ and constructor keys does not pollute the isolate",
      source: evil('const probe: any = {};\nreturn { result: "ALLOW", reason: [typeof probe.polluted, typeof event.data.arguments.polluted, Object.getPrototypeOf(event.data.arguments) === Object.prototype].join(" ") };'),
      event: PROTO_EVENT,
      check: allowedWithoutError("undefined undefined true"),
    },
  ];
  it.each(cases)("$name", (c) => runCase(c));
});

describe("toJSON and Symbol.toPrimitive: what the value serialises to is what is validated", () => {
  const stringWith = (toPrimitive: string) => `return { result: Object.assign(new String("DENY"), { [Symbol.toPrimitive]() { ${toPrimitive} } }) };`;
  const cases: Case[] = [
    { name: "toJSON returning a valid verdict is that verdict", source: evil('return { result: "DENY", toJSON() { return { result: "ALLOW", reason: "via toJSON" }; } };'), check: allowedWithoutError("via toJSON") },
    { name: "toJSON returning a wrong shape", source: evil('return { result: "ALLOW", toJSON() { return { result: "MAYBE" }; } };'), kinds: ["invalid_result"] },
    { name: "toJSON that throws", source: evil('return { result: "ALLOW", toJSON() { throw new Error("no JSON for you"); } };'), on_error: "ASK", kinds: ["invalid_result"], message: /no JSON for you/ },
    { name: "toJSON that loops", source: evil('return { result: "ALLOW", toJSON() { for (;;) {} } };'), kinds: ["timeout"] },
    { name: "toJSON in data returning a huge string", source: evil('return { result: "ALLOW", data: { toJSON() { return "x".repeat(1e6); } } };'), limits: { memory_mb: 256 }, on_error: "ASK", kinds: ["invalid_result"], message: /max_output_bytes/ },
    { name: "Symbol.toPrimitive on a plain object serialises as {}", source: evil('return { result: { [Symbol.toPrimitive]() { return "ALLOW"; } } };'), kinds: ["invalid_result"] },
    { name: "a String object whose Symbol.toPrimitive says ALLOW is ALLOW", source: evil(stringWith('return "ALLOW";')), check: (d) => expect(d).toMatchObject({ result: "ALLOW", policies: [{ result: "ALLOW", error: null }] }) },
    { name: "a String object whose Symbol.toPrimitive says MAYBE", source: evil(stringWith('return "MAYBE";')), on_error: "ASK", kinds: ["invalid_result"] },
    { name: "a String object whose Symbol.toPrimitive throws", source: evil(stringWith('throw new Error("no primitive");')), kinds: ["invalid_result"], message: /no primitive/ },
    { name: "a String object whose Symbol.toPrimitive loops", source: evil(stringWith("for (;;) {}")), on_error: "ASK", kinds: ["timeout"] },
    { name: "a reason whose toString says what it wants", source: evil('return { result: "ALLOW", reason: { toString() { return "trust me"; } } };'), kinds: ["invalid_result"] },
  ];
  it.each(cases)("$name", (c) => runCase(c));
});

describe("verdicts of the wrong shape are invalid_result", () => {
  const shapes: Array<[string, string, Verdict?, { async: boolean }?]> = [
    ['the string "ALLOW"', 'return "ALLOW";'],
    ["a number", "return 42;", "ASK"],
    ["true", "return true;"],
    ["NaN (serialises to null)", "return NaN;"],
    ["an empty array", "return [];", "ASK"],
    ["an array holding a verdict", 'return [{ result: "ALLOW" }];'],
    ['{ result: "MAYBE" }', 'return { result: "MAYBE" };', "ASK"],
    ['{ result: "ALLOW", extra: 1 }', 'return { result: "ALLOW", extra: 1 };'],
    ['{ result: "ALLOW " } (trailing space)', 'return { result: "ALLOW " };'],
    ['{ result: ["ALLOW"] }', 'return { result: ["ALLOW"] };', "ASK"],
    ["no result", 'return { reason: "forgot the result" };'],
    ["a numeric reason", 'return { result: "ALLOW", reason: 5 };'],
    ["a reason over 4096 characters", 'return { result: "ALLOW", reason: "x".repeat(5000) };', "ASK"],
    ["a state update with an unknown action", 'return { result: "ALLOW", state_updates: [{ key: "n", action: "explode" }] };'],
    ["state_updates that is not an array", 'return { result: "ALLOW", state_updates: { key: "n", action: "set" } };'],
    ["a function", 'return () => ({ result: "ALLOW" });'],
    ["a symbol", 'return Symbol("ALLOW");', "ASK"],
    ["a BigInt", "return 10n;"],
    ["a cyclic object", 'const v: any = { result: "ALLOW" }; v.self = v; return v;', "ASK"],
    ["a string from an async policy", 'return "ALLOW";', undefined, { async: true }],
  ];
  const cases: Case[] = shapes.map(([name, body, on_error, options]) => ({
    name, source: evil(body, options), kinds: ["invalid_result"], ...(on_error ? { on_error } : {}),
  }));
  it.each(cases)("$name", (c) => runCase(c));
});

// ---------------------------------------------------------------- uploads

interface UploadCase {
  name: string;
  upload: Omit<LoadRequest, "tenant" | "module">;
  /** Limits of the load: a top level that must time out gets FAST (its budget is 10 × timeout_ms). */
  limits?: Limits;
  code: string;
  message: string | RegExp;
  diagnostic?: { file?: string; line?: number; column?: number };
}

describe("uploads: built-ins, missing files, syntax errors, bad registries, hostile top levels", () => {
  const importing = (statement: string) => ({ source: `// policies may not reach the host\n${statement}\nexport const f = () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }];\n` });
  const cases: UploadCase[] = [
    ...["fs", "http", "child_process", "node:fs"].map((specifier): UploadCase => ({
      name: `import of ${specifier}`, upload: importing(`import * as m from "${specifier}"; export const x = m;`),
      code: "PAL_BUNDLE_FAILED", message: `Cannot import "${specifier}"`, diagnostic: { file: "evil/p.ts", line: 2 },
    })),
    { name: "require('child_process')", upload: importing('export const cp = require("child_process");'), code: "PAL_BUNDLE_FAILED", message: 'Cannot import "child_process"', diagnostic: { file: "evil/p.ts", line: 2 } },
    { name: "dynamic import('node:http')", upload: importing('export const h = () => import("node:http");'), code: "PAL_BUNDLE_FAILED", message: 'Cannot import "node:http"', diagnostic: { file: "evil/p.ts", line: 2 } },
    { name: "import of a missing relative file", upload: importing('import { x } from "./helpers"; export const y = x;'), code: "PAL_BUNDLE_FAILED", message: 'Cannot import "./helpers": no such file in the upload', diagnostic: { file: "evil/p.ts", line: 2 } },
    {
      name: "import of a file outside the upload",
      upload: { entry: "main.ts", files: { "main.ts": 'import { y } from "../../../etc/passwd";\nexport const f = () => y;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }];' } },
      code: "PAL_BUNDLE_FAILED", message: "no such file in the upload", diagnostic: { file: "main.ts", line: 1 },
    },
    {
      name: "syntax error, reported at the author's line and column",
      upload: { source: 'export function f() {\n  return { result: "ALLOW" };\n}\n\nexport function g() {\n  const = 5;\n}\n' },
      code: "PAL_BUNDLE_FAILED", message: /^evil\/p\.ts:6:9: /, diagnostic: { file: "evil/p.ts", line: 6, column: 9 },
    },
    {
      name: "syntax error in an imported file, reported in that file",
      upload: { entry: "main.ts", files: { "main.ts": 'import { y } from "./lib/util";\nexport const f = () => y;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }];', "lib/util.ts": "// helpers\n\nexport const y = (;\n" } },
      code: "PAL_BUNDLE_FAILED", message: /^lib\/util\.ts:3:/, diagnostic: { file: "lib/util.ts", line: 3 },
    },
    { name: "registry naming a missing export", upload: { source: 'export const f = () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.g" }];' }, code: "PAL_REGISTRY_INVALID", message: 'the module has no export named "g"' },
    {
      name: "registry with an invalid params_schema",
      upload: { source: 'export const f = () => () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f", kind: "factory", params_schema: { type: "object", properties: { n: { type: "integer", minimum: "zero" } } } }];' },
      code: "PAL_REGISTRY_INVALID", message: "params_schema does not compile",
    },
    { name: "registry that is not an array", upload: { source: 'export const f = () => null;\nexport const POLICY_REGISTRY = { handler: "evil.p.f" };' }, code: "PAL_REGISTRY_INVALID", message: "POLICY_REGISTRY must be array" },
    { name: "no registry at all", upload: { source: "export const f = () => null;" }, code: "PAL_REGISTRY_INVALID", message: "does not export POLICY_REGISTRY" },
    { name: "registry entry with an own __proto__ key", upload: { source: `export const f = () => null;\nexport const POLICY_REGISTRY = JSON.parse('[{"handler":"evil.p.f","__proto__":{"polluted":"yes"}}]');` }, code: "PAL_REGISTRY_INVALID", message: "forbidden key" },
    { name: "registry with a looping getter", upload: { source: 'export const f = () => null;\nexport const POLICY_REGISTRY = [{ get handler() { for (;;) {} } }];' }, limits: FAST, code: "PAL_MODULE_LOAD_FAILED", message: "timeout" },
    { name: "registry that is a looping Proxy", upload: { source: "export const f = () => null;\nexport const POLICY_REGISTRY = new Proxy([], { get() { for (;;) {} } });" }, limits: FAST, code: "PAL_MODULE_LOAD_FAILED", message: "timeout" },
    {
      name: "module top level that throws",
      upload: { source: 'export const f = () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }];\nthrow new Error("refusing to load");\n' },
      code: "PAL_MODULE_LOAD_FAILED", message: "refusing to load", diagnostic: { file: "evil/p.ts", line: 3 },
    },
    { name: "module top level that loops forever", upload: { source: `export const f = () => null;\nexport const POLICY_REGISTRY = [{ handler: "evil.p.f" }];\n${LOOP_FOREVER}\n` }, limits: FAST, code: "PAL_MODULE_LOAD_FAILED", message: "timeout" },
    { name: "module top level that throws a looping getter", upload: { source: 'export const f = () => null;\nthrow { get message() { for (;;) {} } };\n' }, limits: FAST, code: "PAL_MODULE_LOAD_FAILED", message: "timeout" },
    { name: "module top level memory bomb", upload: { source: `export const f = () => null;\n${HEAP_BOMB}\n` }, code: "PAL_MODULE_LOAD_FAILED", message: "memory" },
  ];

  it.each(cases)("$name", async (c) => {
    const tenant = tenantFor(c.name);
    const restarts = rt.stats().worker_restarts;
    const e = await rejection(rt.load({ tenant, module: "evil.p", ...c.upload, ...(c.limits ? { limits: c.limits } : {}) } as LoadRequest), c.code);
    if (typeof c.message === "string") expect(e.message).toContain(c.message);
    else expect(e.message).toMatch(c.message);
    if (c.diagnostic) expect(e.details.diagnostics[0]).toMatchObject(c.diagnostic);
    expect(rt.policies(tenant)).toEqual([]);
    expect(rt.stats().worker_restarts).toBe(restarts);
    await expectUnharmed(rt);
  });
});

// ---------------------------------------------------------------- what the host passes in

describe("input from callers (the runtime side of the HTTP class of hostile input)", () => {
  const bindings: Binding[] = [{ id: "good", handler: "good.p.ok" }];

  it("refuses an oversized event before it reaches a worker", async () => {
    await rejection(rt.evaluate({ tenant: "good", bindings, event: { type: "tool_call", data: { name: "x", arguments: { blob: "x".repeat(5000) } } }, limits: { max_event_bytes: 4096 } }), "PAL_EVENT_TOO_LARGE");
    await expectUnharmed(rt);
  });

  it.each([
    ["null", null],
    ["a string", "tool_call"],
    ["an array", [{ type: "tool_call" }]],
    ["an unknown type", { type: "rm_rf", data: {} }],
    ["no data", { type: "tool_call" }],
    ["a wrongly typed field", { type: "tool_call", data: { name: 5, arguments: {} } }],
    ["arguments that are not an object", { type: "tool_call", data: { name: "x", arguments: "--force" } }],
  ])("refuses a malformed event: %s", async (_what, event) => {
    await rejection(rt.evaluate({ tenant: "good", bindings, event: event as never }), "PAL_EVENT_INVALID");
    await expectUnharmed(rt);
  });

  it("refuses event data that cannot be serialised (cyclic, BigInt) with a typed error", async () => {
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    await rejection(rt.evaluate({ tenant: "good", bindings, event: { type: "tool_call", data: { name: "x", arguments: cyclic } } }), "PAL_EVENT_INVALID");
    await rejection(rt.evaluate({ tenant: "good", bindings, event: { type: "tool_call", data: { name: "x", arguments: { n: 1n } } } }), "PAL_EVENT_INVALID");
    await expectUnharmed(rt);
  });

  it.each(["", "GOOD", "../good", "good/../evil", "good\n", "g".repeat(64), "-good"])("refuses tenant id %j", async (tenant) => {
    await rejection(rt.evaluate({ tenant, bindings, event: EVENT }), "PAL_TENANT_INVALID");
    await rejection(rt.load({ tenant, module: "good.p", source: GOOD_SOURCE }), "PAL_TENANT_INVALID");
    await expectUnharmed(rt);
  });

  it("keeps tenants apart: another tenant can neither bind nor shadow good's handlers", async () => {
    const tenant = tenantFor("cross tenant");
    await rejection(rt.evaluate({ tenant, bindings, event: EVENT }), "PAL_MODULE_NOT_FOUND");
    // Same module name, same handler, other tenant: its own module, and good's stays good's.
    await rt.load({ tenant, module: "good.p", source: 'export function ok() { return { result: "DENY", reason: "impostor" }; }\nexport const POLICY_REGISTRY = [{ handler: "good.p.ok" }];' });
    expect((await rt.evaluate({ tenant, bindings, event: EVENT })).reason).toBe("good: impostor");
    await expectUnharmed(rt);
  });

  it("sets context.tenant itself, whatever the event claims", async () => {
    const tenant = tenantFor("spoof");
    await rt.load({ tenant, module: "evil.p", source: evil("return { result: 'ALLOW', reason: String(event.context.tenant) };") });
    const d = await rt.evaluate({ tenant, bindings: [{ id: "b", handler: "evil.p.f" }], event: { ...EVENT, context: { tenant: "good" } } });
    expect(d.reason).toBe(`b: ${tenant}`);
    await expectUnharmed(rt, tenant);
  });

  // Prebuilt bundles skip esbuild, so both first loads reach the worker in one batch and both
  // tenants' isolates are created in the same turn: the spare isolate must go to one of them only.
  it("gives two tenants that arrive together an isolate each", async () => {
    const [planter, victim] = [tenantFor("planter"), tenantFor("victim")];
    const plant = "(globalThis as any).planted = 'from the planter'; Array.prototype.includes = function () { return false; };\n" + evil("return null;");
    const check = evil("return ['fetch'].includes(event.data.name) ? { result: 'DENY', reason: 'blocked' } : { result: 'ALLOW', reason: String((globalThis as any).planted) };");
    const bundled = async (source: string) => (await rt.load({ tenant: tenantFor("bundler"), module: "evil.p", source })).bundle;
    const [plantBundle, checkBundle] = [await bundled(plant), await bundled(check)];
    await Promise.all([rt.load({ tenant: planter, module: "evil.p", bundle: plantBundle }), rt.load({ tenant: victim, module: "evil.p", bundle: checkBundle })]);
    const d = await rt.evaluate({ tenant: victim, bindings: [{ id: "b", handler: "evil.p.f" }], event: EVENT });
    expect(d).toMatchObject({ result: "DENY", reason: "b: blocked" });
    await expectUnharmed(rt, victim);
  });
});

// ---------------------------------------------------------------- worker death

describe("crashes that may take a worker down (each in a runtime of its own)", () => {
  const FILL = evil('new Array(1e8).fill(0);\nreturn { result: "ALLOW", reason: "filled" };');
  const AB_SWALLOW = evil("const all: ArrayBuffer[] = [];\nfor (;;) { try { all.push(new ArrayBuffer(1 << 20)); } catch { /* keep going */ } }");
  // What stops these is not a limit but whichever of isolated-vm's memory check, the watchdog
  // or the worker's own exit comes first; the subject here is that the failure stays contained.
  const UNINTERRUPTIBLE = ["crash", "memory", "timeout"] as const;
  const cases: Case[] = [
    { name: "uninterruptible built-in new Array(1e8).fill(0)", source: FILL, limits: FAST, on_error: "ASK", kinds: UNINTERRUPTIBLE },
    { name: "new Array(1e8).fill(0) on the thread pool", source: FILL, limits: { timeout_ms: 300 }, kinds: UNINTERRUPTIBLE },
    { name: "ArrayBuffer bomb that swallows allocation failures", source: AB_SWALLOW, limits: FAST, kinds: UNINTERRUPTIBLE },
    { name: "ArrayBuffer bomb that swallows allocation failures, on the thread pool", source: AB_SWALLOW, limits: { timeout_ms: 300 }, on_error: "ASK", kinds: UNINTERRUPTIBLE },
  ];
  it.each(cases)("$name: on_error verdict, then the tenant and others work", async (c) => {
    const own = await startRuntime();
    try {
      await runCase(c, own, { mayKillWorker: true });
    } finally {
      await own.close();
    }
  });

  // Other tenants are unaffected. One worker, so "good" shares it with the hostile
  // tenant. The hostile binding is prepared beforehand, so its call starts as soon as the worker
  // receives the request; the neighbour's request is sent once that one is in flight.
  it("a neighbour on the same worker gets its own verdict while an uninterruptible call runs", async () => {
    const own = await startRuntime({ workers: 1 });
    try {
      const tenant = tenantFor("array fill neighbour");
      const binding: Binding = { id: "b", handler: "evil.p.f" };
      await own.load({ tenant, module: "evil.p", source: FILL });
      await own.prepare({ tenant, binding });
      expectGoodVerdict(await evaluateGood(own));
      const hostile = own.evaluate({ tenant, bindings: [binding], event: EVENT, limits: FAST });
      await vi.waitFor(() => expect(own.stats().workers[0]!.inflight).toBeGreaterThan(0), { timeout: 30_000, interval: 5 });
      const neighbour = await evaluateGood(own);
      expectOnError(await hostile, "DENY", ["crash", "memory", "timeout"]);
      expectGoodVerdict(neighbour);
      await expectUnharmed(own, tenant);
    } finally {
      await own.close();
    }
  });

  it("a worker SIGKILLed during an evaluation: that evaluation fails closed as a crash, the next ones succeed", async () => {
    const own = await startRuntime();
    try {
      const tenant = tenantFor("sigkill");
      const binding: Binding = { id: "b", handler: "evil.p.f" };
      await own.load({ tenant, module: "evil.p", source: evil(LOOP_FOREVER) });
      const restarts = own.stats().worker_restarts;
      const pending = own.evaluate({ tenant, bindings: [binding], event: EVENT, limits: { timeout_ms: 10_000 } });
      const busy = await vi.waitFor(() => {
        const worker = own.stats().workers.find((w) => w.inflight > 0 && w.pid !== null);
        if (!worker) throw new Error("no worker is busy yet");
        return worker;
      }, { timeout: 30_000, interval: 5 });
      process.kill(busy.pid!, "SIGKILL");
      expectOnError(await pending, "DENY", ["crash"]);
      await expect.poll(() => own.stats().worker_restarts, { timeout: 30_000 }).toBeGreaterThan(restarts);
      await expectUnharmed(own, tenant);
    } finally {
      await own.close();
    }
  });
});
