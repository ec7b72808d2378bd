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
import { describe, expect, it } from "vitest";
import type { PolicyEvent, Verdict } from "palisade/sdk";
import { shard } from "../../runtime/supervisor/pool.ts";
import {
  allowedWithoutError, DEFAULTS, evil, expectUnharmed, FAST, FINE, fixture, GOOD_SHARD, HEAP_BOMB, LOOP_FOREVER, runCase, tenantFor, useSharedRuntime, WORKERS, type Case,
} from "../helpers/hostile.ts";

const sharedRuntime = useSharedRuntime();

it("runs hostile tenants next to 'good' and never loads isolated-vm into this process", async () => {
  expect(shard(tenantFor("probe"), WORKERS)).toBe(GOOD_SHARD);
  await expectUnharmed(sharedRuntime());
});

// ---------------------------------------------------------------- time

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

