import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { Binding, PolicyEvent } from "palisade/sdk";
import { rejection } from "../helpers/rejection.ts";
import { fixture, MYORG } from "../helpers/sources.ts";

const PROBE = fixture("probe.ts");

const toolCall = (args: Record<string, unknown> = {}, name = "fetch"): PolicyEvent => ({ type: "tool_call", data: { name, arguments: args } });

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ workers: 2, log: () => {} });
  await rt.load({ tenant: "acme", module: "myorg.policies", source: MYORG });
  await rt.load({ tenant: "acme", module: "probe.p", source: PROBE });
});
afterAll(() => rt.close());

describe("load", () => {
  it("returns the module's sha256, size and registry with defaults applied", async () => {
    const result = await rt.load({ tenant: "acme", module: "myorg.policies", source: MYORG });
    expect(result).toMatchObject({ module: "myorg.policies", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(result.bundle_bytes).toBeGreaterThan(0);
    expect(result.policies).toEqual([
      expect.objectContaining({ handler: "myorg.policies.block_domains", kind: "factory", name: "Block Domains", internal_only: false }),
      { handler: "myorg.policies.my_policy", kind: "callable", name: "My Policy", description: "Blocks dangerous_tool.", params_schema: null, internal_only: false },
    ]);
  });

  it("names entries after their export when `name` is missing, and keeps internal_only entries", () => {
    const probe = rt.policies("acme").filter((p) => p.handler.startsWith("probe."));
    expect(probe.find((p) => p.handler === "probe.p.mutate_state")!.name).toBe("Mutate State");
    expect(probe.find((p) => p.handler === "probe.p.hidden")!.internal_only).toBe(true);
  });

  it("accepts files + entry", async () => {
    const result = await rt.load({
      tenant: "files", module: "multi.p", entry: "index.ts",
      files: { "index.ts": "import { verdict } from './lib/v';\nexport const f = () => verdict;\nexport const POLICY_REGISTRY = [{ handler: 'multi.p.f' }];", "lib/v.ts": "export const verdict = { result: 'DENY', reason: 'from lib' };" },
    });
    expect(result.policies.map((p) => p.handler)).toEqual(["multi.p.f"]);
    const d = await rt.evaluate({ tenant: "files", bindings: [{ id: "f", handler: "multi.p.f" }], event: toolCall() });
    expect(d).toMatchObject({ result: "DENY", reason: "f: from lib" });
  });

  it("refuses source that does not compile, with file:line:col diagnostics (422)", async () => {
    const e = await rejection(rt.load({ tenant: "acme", module: "bad.p", source: "export const x = 1;\nexport function f( {\n" }), "PAL_BUNDLE_FAILED");
    expect(e.message).toMatch(/^bad\/p\.ts:3:1: /);
    expect(e.details.diagnostics[0]).toMatchObject({ file: "bad/p.ts", line: 3 });
  });

  it.each([
    ["no POLICY_REGISTRY", "export const f = () => null;", "the module does not export POLICY_REGISTRY"],
    ["a registry that is not an array", "export const f = () => null; export const POLICY_REGISTRY = { handler: 'r.p.f' };", "POLICY_REGISTRY must be array"],
    ["an unknown kind", "export const f = () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.f', kind: 'magic' }];", 'POLICY_REGISTRY/0/kind must be one of: "callable", "factory"'],
    ["an unknown field", "export const f = () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.f', param_schema: {} }];", 'POLICY_REGISTRY/0 has an unknown property "param_schema"; allowed: handler, kind, name, description, params_schema, internal_only'],
    ["a handler of another module", "export const f = () => null; export const POLICY_REGISTRY = [{ handler: 'other.p.f' }];", 'handler must be "r.p.<export name>"'],
    ["a missing export", "export const f = () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.g' }];", 'the module has no export named "g"'],
    ["an export that is not a function", "export const g = 42; export const POLICY_REGISTRY = [{ handler: 'r.p.g' }];", 'export "g" is a number, not a function'],
    ["a handler listed twice", "export const f = () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.f' }, { handler: 'r.p.f' }];", "handler is listed twice"],
    ["a params_schema with an unknown keyword", "export const f = () => () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.f', kind: 'factory', params_schema: { type: 'object', requried: ['x'] } }];", 'POLICY_REGISTRY/0 (r.p.f): params_schema does not compile: strict mode: unknown keyword: "requried"'],
    ["a params_schema pattern that needs backtracking", "export const f = () => () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.f', kind: 'factory', params_schema: { type: 'object', properties: { s: { type: 'string', pattern: '(a)\\\\1' } } } }];", "Cannot be executed in linear time"],
    ["a callable with a params_schema", "export const f = () => null; export const POLICY_REGISTRY = [{ handler: 'r.p.f', params_schema: { type: 'object' } }];", "a callable takes no params"],
  ])("refuses a registry with %s (422)", async (_what, source, message) => {
    const e = await rejection(rt.load({ tenant: "reg", module: "r.p", source }), "PAL_REGISTRY_INVALID");
    expect(e.message).toContain(message);
  });

  it("refuses a module whose top level throws, pointing at the throw", async () => {
    const e = await rejection(rt.load({ tenant: "acme", module: "boom.p", source: "export const f = () => null;\nthrow new TypeError('no config');\n" }), "PAL_MODULE_LOAD_FAILED");
    expect(e.message).toBe("boom/p.ts:2:7: throw: module top level threw TypeError: no config");
  });

  it("refuses bad names and bad input with typed errors", async () => {
    await rejection(rt.load({ tenant: "Not Valid", module: "a.b", source: "" }), "PAL_TENANT_INVALID");
    await rejection(rt.load({ tenant: "acme", module: "Bad-Name", source: "" }), "PAL_MODULE_NAME_INVALID");
    await rejection(rt.load({ tenant: "acme", module: "a.b" } as never), "PAL_SOURCE_INVALID");
    await rejection(rt.load({ tenant: "acme", module: "a.b", source: "", entry: "x.ts" }), "PAL_SOURCE_INVALID");
  });

  it("refuses a bundle over the tenant's max_bundle_bytes (413)", async () => {
    const e = await rejection(rt.load({ tenant: "acme", module: "big.p", source: `export const s = "${"x".repeat(3000)}";`, limits: { max_bundle_bytes: 2000 } }), "PAL_BUNDLE_TOO_LARGE");
    expect(e.message).toContain("max_bundle_bytes is 2000");
  });
});

describe("evaluate", () => {
  const block: Binding = { id: "block", handler: "myorg.policies.block_domains", params: { blocked_domains: ["evil.com"] } };
  const mine: Binding = { id: "mine", handler: "myorg.policies.my_policy" };

  it("denies with the documented decision shape", async () => {
    const d = await rt.evaluate({ tenant: "acme", bindings: [block, mine], event: toolCall({ url: "https://EVIL.com/x" }) });
    expect(d).toMatchObject({
      result: "DENY", reason: "block: Domain evil.com blocked.", data: null, decided_by: ["block"],
      policies: [{ binding: "block", handler: "myorg.policies.block_domains", mode: "enforce", result: "DENY", reason: "Domain evil.com blocked.", error: null }],
    });
    expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.duration_ms).toBeGreaterThan(0);
    expect(d.policies[0]!.duration_ms).toBeGreaterThan(0);
  });

  it("parses tool-call arguments sent as JSON text, embedded as over HTTP", async () => {
    const event = { type: "tool_call", data: { name: "fetch", arguments: '{"url": "https://evil.com/x"}' } } as unknown as PolicyEvent;
    expect(await rt.evaluate({ tenant: "acme", bindings: [block], event })).toMatchObject({ result: "DENY", decided_by: ["block"] });
    const bad = { type: "tool_call", data: { name: "fetch", arguments: "nope" } } as unknown as PolicyEvent;
    await expect(rt.evaluate({ tenant: "acme", bindings: [block], event: bad })).rejects.toMatchObject({ code: "PAL_EVENT_INVALID" });
  });

  it("allows when every policy allows or abstains, and when nothing is bound", async () => {
    expect((await rt.evaluate({ tenant: "acme", bindings: [block, mine], event: toolCall({ url: "https://ok.com" }) })).result).toBe("ALLOW");
    expect((await rt.evaluate({ tenant: "acme", bindings: [mine], event: { type: "response", data: { content: "hi" } } })).decided_by).toEqual([]);
    expect((await rt.evaluate({ tenant: "nobody", bindings: [], event: toolCall() })).result).toBe("ALLOW");
  });

  it("keeps evaluators apart when a binding id is reused for another handler", async () => {
    const d1 = await rt.evaluate({ tenant: "acme", bindings: [{ id: "same", handler: "probe.p.echo" }], event: toolCall({ result: "ASK", reason: "echo" }) });
    expect(d1.reason).toBe("same: echo");
    const d2 = await rt.evaluate({ tenant: "acme", bindings: [{ id: "same", handler: "probe.p.whoami" }], event: toolCall({ result: "ASK", reason: "echo" }) });
    expect(d2.result).toBe("ALLOW");
    expect(JSON.parse(d2.policies[0]!.reason!).tenant).toBe("acme");
  });

  it("runs bindings by order, then id, and stops at the first DENY", async () => {
    const bindings: Binding[] = [
      { id: "z", handler: "probe.p.echo", order: 1 },
      { id: "b", handler: "probe.p.echo" },
      { id: "a", handler: "probe.p.echo", order: 0 },
    ];
    const d = await rt.evaluate({ tenant: "acme", bindings, event: toolCall({ result: "DENY", reason: "stop" }) });
    expect(d.policies.map((p) => p.binding)).toEqual(["a"]);
    const all = await rt.evaluate({ tenant: "acme", bindings, event: toolCall({ result: "ALLOW" }) });
    expect(all.policies.map((p) => p.binding)).toEqual(["a", "b", "z"]);
  });

  it("accepts results in any case, and async policies", async () => {
    expect((await rt.evaluate({ tenant: "acme", bindings: [{ id: "e", handler: "probe.p.echo" }], event: toolCall({ result: "deny" }) })).result).toBe("DENY");
    const d = await rt.evaluate({ tenant: "acme", bindings: [{ id: "l", handler: "probe.p.later" }], event: toolCall() });
    expect(d).toMatchObject({ result: "ASK", reason: "l: async tool_call" });
  });

  it("skips disabled bindings and bindings scoped to other event types", async () => {
    const bindings: Binding[] = [
      { id: "off", handler: "probe.p.echo", enabled: false },
      { id: "llm", handler: "probe.p.echo", events: ["llm_request"] },
      { id: "tool", handler: "probe.p.echo", events: ["tool_call"] },
    ];
    const d = await rt.evaluate({ tenant: "acme", bindings, event: toolCall({ result: "ASK", reason: "?" }) });
    expect(d.policies.map((p) => p.binding)).toEqual(["tool"]);
  });

  it("shadow bindings are reported but never decide", async () => {
    const d = await rt.evaluate({ tenant: "acme", bindings: [{ id: "dry", handler: "probe.p.echo", mode: "shadow" }], event: toolCall({ result: "DENY", reason: "would block" }) });
    expect(d).toMatchObject({ result: "ALLOW", decided_by: [], policies: [{ binding: "dry", mode: "shadow", result: "DENY", reason: "would block" }] });
  });

  it("passes an enforcing policy's data to later policies and into the decision", async () => {
    const bindings: Binding[] = [
      { id: "a", handler: "probe.p.echo", order: 1 },
      { id: "b", handler: "probe.p.seen", order: 2 },
    ];
    const redacted = { name: "fetch", arguments: { url: "[REDACTED]" } };
    const d = await rt.evaluate({ tenant: "acme", bindings, event: toolCall({ result: "ALLOW", data: redacted }) });
    expect(d.data).toEqual(redacted);
    expect(JSON.parse(d.policies[1]!.reason!)).toEqual(redacted);
  });

  it("sets context.tenant from the caller, whatever the event says", async () => {
    const event: PolicyEvent = { ...toolCall(), context: { tenant: "victim", session_id: "s1" } };
    const d = await rt.evaluate({ tenant: "acme", bindings: [{ id: "w", handler: "probe.p.whoami" }], event });
    expect(JSON.parse(d.policies[0]!.reason!)).toEqual({ tenant: "acme", state: {} });
  });

  it("gives each binding its own session state, read-only, and returns state updates", async () => {
    const bindings: Binding[] = [{ id: "w", handler: "probe.p.whoami", order: 1 }, { id: "m", handler: "probe.p.mutate_state", on_error: "ASK", order: 2 }];
    const event = { ...toolCall(), session_state: { forged: true } } as PolicyEvent;
    const d = await rt.evaluate({ tenant: "acme", bindings, event, state: { w: { n: 3 }, m: { n: 1 } } });
    expect(JSON.parse(d.policies[0]!.reason!).state).toEqual({ n: 3 });
    expect(d.policies[1]).toMatchObject({ result: "ASK", error: { kind: "throw" } });
    expect(d.policies[1]!.error!.message).toMatch(/read.only|Cannot assign/);

    const updates = [{ key: "n", action: "increment", value: 1 }];
    const allow = await rt.evaluate({ tenant: "acme", bindings: [{ id: "e", handler: "probe.p.echo" }], event: toolCall({ state_updates: updates }) });
    expect(allow.state_updates).toEqual([{ binding: "e", updates }]);
    const ask = await rt.evaluate({ tenant: "acme", bindings: [{ id: "e", handler: "probe.p.echo" }], event: toolCall({ result: "ASK", state_updates: updates }) });
    expect(ask.state_updates).toEqual([]);
  });

  it("runs a factory once per (binding, params, module version)", async () => {
    await rt.load({ tenant: "fact", module: "probe.p", source: PROBE });
    const reason = async (binding: Binding) => (await rt.evaluate({ tenant: "fact", bindings: [binding], event: toolCall() })).reason;
    expect(await reason({ id: "a", handler: "probe.p.counted", params: { label: "x" } })).toBe("a: x#1");
    expect(await reason({ id: "a", handler: "probe.p.counted", params: { label: "x" } })).toBe("a: x#1");
    expect(await reason({ id: "b", handler: "probe.p.counted", params: { label: "x" } })).toBe("b: x#2");
    expect(await reason({ id: "a", handler: "probe.p.counted", params: { label: "y" } })).toBe("a: y#3");
    expect(await reason({ id: "c", handler: "probe.p.counted" })).toBe("c: c#4"); // params_schema default
    await rt.load({ tenant: "fact", module: "probe.p", source: `${PROBE}\nexport const VERSION = 2;\n` });
    expect(await reason({ id: "a", handler: "probe.p.counted", params: { label: "y" } })).toBe("a: y#1");
  });

  it("re-creates evaluators after the worker holding them is killed", async () => {
    await rt.load({ tenant: "phoenix", module: "probe.p", source: PROBE });
    const binding: Binding = { id: "a", handler: "probe.p.counted", params: { label: "p" } };
    await rt.evaluate({ tenant: "phoenix", bindings: [binding, { id: "b", handler: "probe.p.counted", params: { label: "q" } }], event: toolCall() });
    const restarts = rt.stats().worker_restarts;
    for (const w of rt.stats().workers) process.kill(w.pid!, "SIGKILL");
    await expect.poll(() => rt.stats().worker_restarts, { timeout: 20_000 }).toBeGreaterThanOrEqual(restarts + 2);
    expect((await rt.evaluate({ tenant: "phoenix", bindings: [binding], event: toolCall() })).reason).toBe("a: p#1");
  });

  it("fails a factory that throws with the binding's on_error, and prepare() reports it", async () => {
    const d = await rt.evaluate({ tenant: "acme", bindings: [{ id: "f", handler: "probe.p.failing_factory" }], event: toolCall() });
    expect(d).toMatchObject({ result: "DENY", policies: [{ error: { kind: "throw", message: 'factory "failing_factory" threw Error: cannot build' } }] });
    const e = await rejection(rt.prepare({ tenant: "acme", binding: { id: "f", handler: "probe.p.failing_factory" } }), "PAL_FACTORY_FAILED");
    expect(e.message).toContain("cannot build");
    await rt.prepare({ tenant: "acme", binding: block });
  });

  it("applies per-call limits: output size", async () => {
    const big = { result: "ALLOW", reason: "x".repeat(3000) };
    const d = await rt.evaluate({ tenant: "acme", bindings: [{ id: "e", handler: "probe.p.echo" }], event: toolCall(big), limits: { max_output_bytes: 1000 } });
    expect(d).toMatchObject({ result: "DENY", policies: [{ error: { kind: "invalid_result" } }] });
    expect(d.policies[0]!.error!.message).toContain("max_output_bytes is 1000");
  });

  it("refuses an event over max_event_bytes (413)", async () => {
    const e = await rejection(rt.evaluate({ tenant: "acme", bindings: [mine], event: toolCall({ blob: "x".repeat(5000) }), limits: { max_event_bytes: 4096 } }), "PAL_EVENT_TOO_LARGE");
    expect(e.message).toMatch(/^event is \d+ bytes; max_event_bytes is 4096$/);
  });

  it("answers bad input with typed errors, never a crash", async () => {
    await rejection(rt.evaluate({ tenant: "acme", bindings: [{ id: "x", handler: "nothere.p.f" }], event: toolCall() }), "PAL_MODULE_NOT_FOUND");
    await rejection(rt.evaluate({ tenant: "acme", bindings: [{ id: "x", handler: "myorg.policies.nope" }], event: toolCall() }), "PAL_HANDLER_NOT_FOUND");
    await rejection(rt.evaluate({ tenant: "other", bindings: [mine], event: toolCall() }), "PAL_MODULE_NOT_FOUND");
    await rejection(rt.evaluate({ tenant: "acme", bindings: [mine], event: { type: "tool_call", data: { name: 3 } } as never }), "PAL_EVENT_INVALID");
    const e = await rejection(rt.evaluate({ tenant: "acme", bindings: [mine], event: { type: "nope" } as never }), "PAL_EVENT_INVALID");
    expect(e.details.issues).toEqual([{ instancePath: "/type", message: expect.stringContaining("must be one of") }]);
    await rejection(rt.evaluate({ tenant: "acme", bindings: [{ id: "x", handler: "myorg.policies.my_policy", mode: "loud" } as never], event: toolCall() }), "PAL_BINDING_INVALID");
    await rejection(rt.evaluate({ tenant: "acme", bindings: [mine], event: toolCall(), limits: { timeout_ms: -1 } }), "PAL_LIMITS_INVALID");
  });

  it("checks params against params_schema, listing each instancePath", async () => {
    const e = await rejection(rt.evaluate({ tenant: "acme", bindings: [{ ...block, params: { blocked_domains: ["ok", 7] } }], event: toolCall() }), "PAL_PARAMS_INVALID");
    expect(e.details.issues).toEqual([{ instancePath: "/blocked_domains/1", message: "must be string" }]);
    const missing = await rejection(rt.evaluate({ tenant: "acme", bindings: [{ ...block, params: {} }], event: toolCall() }), "PAL_PARAMS_INVALID");
    expect(missing.details.issues[0].message).toBe("must have required property 'blocked_domains'");
    await rejection(rt.evaluate({ tenant: "acme", bindings: [{ ...mine, params: { x: 1 } }], event: toolCall() }), "PAL_PARAMS_INVALID");
  });

  it("keeps tenants apart: a handler of one tenant is unknown to another", async () => {
    await rejection(rt.evaluate({ tenant: "files", bindings: [block], event: toolCall() }), "PAL_MODULE_NOT_FOUND");
  });

  it("unloads a module", async () => {
    await rt.load({ tenant: "gone", module: "myorg.policies", source: MYORG });
    expect(await rt.unload({ tenant: "gone", module: "myorg.policies" })).toBe(true);
    expect(await rt.unload({ tenant: "gone", module: "myorg.policies" })).toBe(false);
    await rejection(rt.evaluate({ tenant: "gone", bindings: [mine], event: toolCall() }), "PAL_MODULE_NOT_FOUND");
  });
});

describe("createRuntime", () => {
  it("refuses unknown and malformed options", async () => {
    await rejection(createRuntime({ wrokers: 2 } as never), "PAL_OPTIONS_INVALID");
    await rejection(createRuntime({ workers: 0 }), "PAL_OPTIONS_INVALID");
    await rejection(createRuntime({ defaults: { memory_mb: 1 } }), "PAL_LIMITS_INVALID");
  });

  it("reports stats and refuses work once closed", async () => {
    const small = await createRuntime({ workers: 1, log: () => {} });
    expect(small.stats()).toMatchObject({ workers: [{ index: 0, state: "ready", restarts: 0 }], tenants: 0, modules: 0 });
    expect(small.healthy).toBe(true);
    await small.close();
    expect(small.healthy).toBe(false);
    await rejection(small.evaluate({ tenant: "acme", bindings: [], event: toolCall() }), "PAL_RUNTIME_CLOSED");
  });
});

describe("worker supervision", () => {
  it("kills and replaces a worker whose RSS passes the ceiling", async () => {
    // A ceiling below any live Node process: every worker is over it at its first heartbeat.
    const small = await createRuntime({ workers: 1, workerRssLimitMb: 1, log: () => {} });
    try {
      await expect.poll(() => small.stats().worker_restarts, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await small.close();
    }
  });
});

describe("loading a kept bundle", () => {
  it("loads what an earlier load returned, without bundling, to the same sha256", async () => {
    const first = await rt.load({ tenant: "kept", module: "myorg.policies", source: MYORG });
    await rt.unload({ tenant: "kept", module: "myorg.policies" });
    const again = await rt.load({ tenant: "kept", module: "myorg.policies", bundle: first.bundle });
    expect(again).toMatchObject({ sha256: first.sha256, bundle_bytes: first.bundle_bytes, policies: first.policies });
    const d = await rt.evaluate({ tenant: "kept", bindings: [{ id: "m", handler: "myorg.policies.my_policy" }], event: toolCall({}, "dangerous_tool") });
    expect(d.result).toBe("DENY");
  });

  it("refuses a malformed bundle and one over max_bundle_bytes, and runs whatever code it holds in the sandbox only", async () => {
    await rejection(rt.load({ tenant: "kept", module: "x.y", bundle: { code: 1 } as never }), "PAL_SOURCE_INVALID");
    await rejection(rt.load({ tenant: "kept", module: "x.y", bundle: { code: "x".repeat(100), map: "{}" }, limits: { max_bundle_bytes: 10 } }), "PAL_BUNDLE_TOO_LARGE");
    const e = await rejection(rt.load({ tenant: "kept", module: "x.y", bundle: { code: 'import fs from "fs";', map: "not json" } }), "PAL_MODULE_LOAD_FAILED");
    // The sandbox parsed it as a script, and refused the import there: nothing ran in the host.
    expect(e.message).toContain("Cannot use import statement outside a module");
  });
});

describe("chains: several policies of one event in one entry into the isolate", () => {
  const E = (args: Record<string, unknown>) => toolCall(args);
  const echo = (id: string, order: number, extra: Partial<Binding> = {}): Binding => ({ id, handler: "probe.p.echo", order, ...extra });

  it("runs each policy once per evaluation, in order", async () => {
    await rt.load({ tenant: "chain", module: "probe.p", source: PROBE });
    const bindings: Binding[] = [1, 2, 3, 4].map((i) => ({ id: `t${i}`, handler: "probe.p.tally", order: i }));
    const first = await rt.evaluate({ tenant: "chain", bindings, event: E({}) });
    expect(first.policies.map((p) => [p.binding, p.reason])).toEqual([["t1", "1"], ["t2", "1"], ["t3", "1"], ["t4", "1"]]);
    const second = await rt.evaluate({ tenant: "chain", bindings, event: E({}) });
    expect(second.policies.map((p) => p.reason)).toEqual(["2", "2", "2", "2"]);
  });

  it("stops at a DENY, goes on past a shadow DENY, an ASK and an abstention", async () => {
    const deny = await rt.evaluate({ tenant: "acme", bindings: [echo("a", 1), echo("b", 2, { handler: "probe.p.seen" }), echo("c", 3)], event: E({ result: "DENY", reason: "no" }) });
    expect(deny.policies.map((p) => p.binding)).toEqual(["a"]);
    const shadow = await rt.evaluate({ tenant: "acme", bindings: [echo("s", 1, { mode: "shadow" }), { id: "w", handler: "probe.p.whoami", order: 2 }], event: E({ result: "DENY" }) });
    expect(shadow).toMatchObject({ result: "ALLOW", policies: [{ binding: "s", result: "DENY" }, { binding: "w", result: "ALLOW" }] });
    const ask = await rt.evaluate({ tenant: "acme", bindings: [echo("a", 1), echo("b", 2)], event: E({ result: "ASK", reason: "?" }) });
    expect(ask).toMatchObject({ result: "ASK", decided_by: ["a", "b"] });
  });

  it("gives later policies the data an earlier one returned", async () => {
    const bindings: Binding[] = [{ id: "w", handler: "probe.p.whoami", order: 1 }, echo("e", 2), { id: "seen", handler: "probe.p.seen", order: 3 }];
    const d = await rt.evaluate({ tenant: "acme", bindings, event: E({ result: "ALLOW", data: { rewritten: true } }) });
    expect(JSON.parse(d.policies[2]!.reason!)).toEqual({ rewritten: true });
  });

  it("collects an async policy in the middle, and goes on", async () => {
    const bindings: Binding[] = [{ id: "w", handler: "probe.p.whoami", order: 1 }, { id: "l", handler: "probe.p.later", order: 2 }, { id: "w2", handler: "probe.p.whoami", order: 3 }];
    const d = await rt.evaluate({ tenant: "acme", bindings, event: E({}) });
    expect(d.policies.map((p) => [p.binding, p.result])).toEqual([["w", "ALLOW"], ["l", "ASK"], ["w2", "ALLOW"]]);
  });

  it("gives a policy that runs out the chain's time a call and a limit of its own, then goes on", async () => {
    const bindings: Binding[] = [
      { id: "a", handler: "probe.p.whoami", order: 1 },
      { id: "spin", handler: "probe.p.spin", order: 2, on_error: "ASK" },
      { id: "c", handler: "probe.p.whoami", order: 3 },
    ];
    const d = await rt.evaluate({ tenant: "acme", bindings, event: E({}) });
    expect(d.policies.map((p) => [p.binding, p.result, p.error?.kind ?? null])).toEqual([["a", "ALLOW", null], ["spin", "ASK", "timeout"], ["c", "ALLOW", null]]);
    expect(d.result).toBe("ASK");
  });

  it("reports a throw in the middle as that policy's error, and goes on when its on_error says so", async () => {
    const bindings: Binding[] = [{ id: "w", handler: "probe.p.whoami", order: 1 }, { id: "m", handler: "probe.p.mutate_state", order: 2, on_error: "ASK" }, { id: "w2", handler: "probe.p.whoami", order: 3 }];
    const d = await rt.evaluate({ tenant: "acme", bindings, event: E({}), state: { m: { n: 1 } } });
    expect(d.policies.map((p) => [p.binding, p.error?.kind ?? null])).toEqual([["w", null], ["m", "throw"], ["w2", null]]);
  });
});

describe("bindings whose policy is not loaded", () => {
  it("throw by default, and answer their on_error as a crash when asked to", async () => {
    const bindings: Binding[] = [
      { id: "a", handler: "probe.p.whoami", order: 1 },
      { id: "gone", handler: "gone.p.f", order: 2, on_error: "ASK" },
      { id: "c", handler: "probe.p.whoami", order: 3 },
      { id: "gone2", handler: "probe.p.nope", order: 4 },
      { id: "d", handler: "probe.p.whoami", order: 5 },
    ];
    await rejection(rt.evaluate({ tenant: "acme", bindings, event: toolCall() }), "PAL_MODULE_NOT_FOUND");
    const d = await rt.evaluate({ tenant: "acme", bindings, event: toolCall(), unavailable: "on_error" });
    expect(d.policies.map((p) => [p.binding, p.result, p.error?.kind ?? null])).toEqual([
      ["a", "ALLOW", null], ["gone", "ASK", "crash"], ["c", "ALLOW", null], ["gone2", "DENY", "crash"],
    ]);
    expect(d).toMatchObject({ result: "DENY", decided_by: ["gone2"] });
    expect(d.policies[1]!.error!.message).toContain('policy unavailable: module "gone.p" is not loaded');
  });

  // Stored params can stop matching (a builtin's schema changed in an upgrade): that binding
  // cannot run, and the others must still decide.
  it("count params that no longer match as not loaded, when asked to", async () => {
    const bindings: Binding[] = [
      { id: "a", handler: "probe.p.whoami", order: 1 },
      { id: "stale", handler: "probe.p.whoami", order: 2, mode: "shadow", params: { no: "longer valid" } },
    ];
    await rejection(rt.evaluate({ tenant: "acme", bindings, event: toolCall() }), "PAL_PARAMS_INVALID");
    const d = await rt.evaluate({ tenant: "acme", bindings, event: toolCall(), unavailable: "on_error" });
    expect(d.policies.map((p) => [p.binding, p.result, p.error?.kind ?? null])).toEqual([["a", "ALLOW", null], ["stale", "DENY", "crash"]]);
    expect(d).toMatchObject({ result: "ALLOW", decided_by: ["a"] });
    expect(d.policies[1]!.error!.message).toContain("policy unavailable: probe.p.whoami is a callable and takes no params");
  });
});

describe("ping", () => {
  it("round-trips to the tenant's worker, and refuses a bad tenant id like every other call", async () => {
    const before = rt.stats().evaluations;
    await expect(rt.ping("acme")).resolves.toBeUndefined();
    await Promise.all(Array.from({ length: 100 }, (_, i) => rt.ping(`tenant-${i}`)));
    expect(rt.stats().evaluations).toBe(before);
    await rejection(rt.ping("" as string), "PAL_TENANT_INVALID");
  });
});
