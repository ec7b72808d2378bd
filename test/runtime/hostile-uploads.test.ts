// Hostile input, continued: uploads, callers' input, and crashes that take a worker down.
// See hostile.test.ts for the time, memory, escape and pollution classes. Every case asserts the same three things:
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
import { describe, expect, it, vi } from "vitest";
import type { LoadRequest } from "palisade/runtime";
import type { Binding, Limits } from "palisade/sdk";
import {
  DEFAULTS, evaluateGood, EVENT, evil, expectGoodVerdict, expectOnError, expectUnharmed, FAST, GOOD_SOURCE, HEAP_BOMB, LOOP_FOREVER, runCase, startRuntime, tenantFor, useSharedRuntime, type Case,
} from "../helpers/hostile.ts";
import { rejection } from "../helpers/rejection.ts";

const sharedRuntime = useSharedRuntime();

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
    const restarts = sharedRuntime().stats().worker_restarts;
    const e = await rejection(sharedRuntime().load({ tenant, module: "evil.p", ...c.upload, ...(c.limits ? { limits: c.limits } : {}) } as LoadRequest), c.code);
    if (typeof c.message === "string") expect(e.message).toContain(c.message);
    else expect(e.message).toMatch(c.message);
    if (c.diagnostic) expect(e.details.diagnostics[0]).toMatchObject(c.diagnostic);
    expect(sharedRuntime().policies(tenant)).toEqual([]);
    expect(sharedRuntime().stats().worker_restarts).toBe(restarts);
    await expectUnharmed(sharedRuntime());
  });
});

// ---------------------------------------------------------------- what the host passes in

describe("input from callers (the runtime side of the HTTP class of hostile input)", () => {
  const bindings: Binding[] = [{ id: "good", handler: "good.p.ok" }];

  it("refuses an oversized event before it reaches a worker", async () => {
    await rejection(sharedRuntime().evaluate({ tenant: "good", bindings, event: { type: "tool_call", data: { name: "x", arguments: { blob: "x".repeat(5000) } } }, limits: { max_event_bytes: 4096 } }), "PAL_EVENT_TOO_LARGE");
    await expectUnharmed(sharedRuntime());
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
    await rejection(sharedRuntime().evaluate({ tenant: "good", bindings, event: event as never }), "PAL_EVENT_INVALID");
    await expectUnharmed(sharedRuntime());
  });

  it("refuses event data that cannot be serialised (cyclic, BigInt) with a typed error", async () => {
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    await rejection(sharedRuntime().evaluate({ tenant: "good", bindings, event: { type: "tool_call", data: { name: "x", arguments: cyclic } } }), "PAL_EVENT_INVALID");
    await rejection(sharedRuntime().evaluate({ tenant: "good", bindings, event: { type: "tool_call", data: { name: "x", arguments: { n: 1n } } } }), "PAL_EVENT_INVALID");
    await expectUnharmed(sharedRuntime());
  });

  it.each(["", "GOOD", "../good", "good/../evil", "good\n", "g".repeat(64), "-good"])("refuses tenant id %j", async (tenant) => {
    await rejection(sharedRuntime().evaluate({ tenant, bindings, event: EVENT }), "PAL_TENANT_INVALID");
    await rejection(sharedRuntime().load({ tenant, module: "good.p", source: GOOD_SOURCE }), "PAL_TENANT_INVALID");
    await expectUnharmed(sharedRuntime());
  });

  it("keeps tenants apart: another tenant can neither bind nor shadow good's handlers", async () => {
    const tenant = tenantFor("cross tenant");
    await rejection(sharedRuntime().evaluate({ tenant, bindings, event: EVENT }), "PAL_MODULE_NOT_FOUND");
    // Same module name, same handler, other tenant: its own module, and good's stays good's.
    await sharedRuntime().load({ tenant, module: "good.p", source: 'export function ok() { return { result: "DENY", reason: "impostor" }; }\nexport const POLICY_REGISTRY = [{ handler: "good.p.ok" }];' });
    expect((await sharedRuntime().evaluate({ tenant, bindings, event: EVENT })).reason).toBe("good: impostor");
    await expectUnharmed(sharedRuntime());
  });

  it("sets context.tenant itself, whatever the event claims", async () => {
    const tenant = tenantFor("spoof");
    await sharedRuntime().load({ tenant, module: "evil.p", source: evil("return { result: 'ALLOW', reason: String(event.context.tenant) };") });
    const d = await sharedRuntime().evaluate({ tenant, bindings: [{ id: "b", handler: "evil.p.f" }], event: { ...EVENT, context: { tenant: "good" } } });
    expect(d.reason).toBe(`b: ${tenant}`);
    await expectUnharmed(sharedRuntime(), tenant);
  });

  // Prebuilt bundles skip esbuild, so both first loads reach the worker in one batch and both
  // tenants' isolates are created in the same turn: the spare isolate must go to one of them only.
  it("gives two tenants that arrive together an isolate each", async () => {
    const [planter, victim] = [tenantFor("planter"), tenantFor("victim")];
    const plant = "(globalThis as any).planted = 'from the planter'; Array.prototype.includes = function () { return false; };\n" + evil("return null;");
    const check = evil("return ['fetch'].includes(event.data.name) ? { result: 'DENY', reason: 'blocked' } : { result: 'ALLOW', reason: String((globalThis as any).planted) };");
    const bundled = async (source: string) => (await sharedRuntime().load({ tenant: tenantFor("bundler"), module: "evil.p", source })).bundle;
    const [plantBundle, checkBundle] = [await bundled(plant), await bundled(check)];
    await Promise.all([sharedRuntime().load({ tenant: planter, module: "evil.p", bundle: plantBundle }), sharedRuntime().load({ tenant: victim, module: "evil.p", bundle: checkBundle })]);
    const d = await sharedRuntime().evaluate({ tenant: victim, bindings: [{ id: "b", handler: "evil.p.f" }], event: EVENT });
    expect(d).toMatchObject({ result: "DENY", reason: "b: blocked" });
    await expectUnharmed(sharedRuntime(), victim);
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

