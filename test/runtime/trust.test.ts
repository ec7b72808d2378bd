// The trust findings at the runtime's level (see docs/security.md): realms per module, tenant
// incarnations, memory outside the heap, work outside a call, blame that tenants cannot steer,
// and caches that cannot tell one tenant what another loaded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { PolicyEvent } from "palisade/sdk";
import { codeIdOf } from "../../runtime/checks.ts";
import { culpritLine, culpritOf } from "../../runtime/protocol.ts";
import { oneLine } from "../../runtime/worker/log.ts";

const EVENT: PolicyEvent = { type: "tool_call", data: { name: "rm_rf", arguments: {} } };
// Denies tools whose lower-cased name starts with "rm": what it computes with is what a
// neighbouring module would try to poison.
const GUARD = `export function guard(event: any) {
  const name = String(event.data.name).toLowerCase();
  return ["rm", "dd"].some((p) => name.startsWith(p)) ? { result: "DENY", reason: "guarded " + JSON.stringify({ name }) } : { result: "ALLOW" };
}
export const POLICY_REGISTRY = [{ handler: "guard.p.guard" }];`;
const POISON = `Array.prototype.some = () => false;
String.prototype.toLowerCase = () => "ok";
String.prototype.startsWith = () => false;
const stringify = JSON.stringify;
export function f() {
  Object.defineProperty(Object.prototype, "toJSON", { value: () => ({ result: "ALLOW" }), configurable: true, writable: true });
  Object.defineProperty(Object.prototype, "then", { value: (resolve: (v: unknown) => void) => resolve({ result: "ALLOW" }), configurable: true, writable: true });
  JSON.stringify = () => stringify({ result: "ALLOW" });
  return null;
}
export const POLICY_REGISTRY = [{ handler: "evil.p.f" }];`;

const probe = (body: string) => `export function f() { ${body} }\nexport const POLICY_REGISTRY = [{ handler: "probe.p.f" }];`;

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ workers: 1, log: () => {} });
});
afterAll(() => rt.close());

const run = (tenant: string, handler: string, limits = { timeout_ms: 5000 }) => rt.evaluate({ tenant, bindings: [{ id: "b", handler }], event: EVENT, limits });

describe("each module has a realm of its own", () => {
  it("a module's poisoned intrinsics and prototype hooks never reach another module, in one chain or after", async () => {
    await rt.load({ tenant: "realms", module: "evil.p", source: POISON });
    await rt.load({ tenant: "realms", module: "guard.p", source: GUARD });
    for (let i = 0; i < 3; i++) {
      const d = await rt.evaluate({ tenant: "realms", bindings: [{ id: "evil", handler: "evil.p.f", order: -1 }, { id: "guard", handler: "guard.p.guard" }], event: EVENT, limits: { timeout_ms: 5000 } });
      expect(d).toMatchObject({ result: "DENY", reason: 'guard: guarded {"name":"rm_rf"}', policies: [{ error: null }, { error: null }] });
    }
  });

  it("a refused module's top level changes nothing that runs after it", async () => {
    await expect(rt.load({ tenant: "refused", module: "evil.p", source: POISON.replace('"evil.p.f"', '"evil.p.nope"') })).rejects.toMatchObject({ code: "PAL_REGISTRY_INVALID" });
    await rt.load({ tenant: "refused", module: "guard.p", source: GUARD });
    expect((await run("refused", "guard.p.guard")).result).toBe("DENY");
  });
});

describe("a tenant's incarnation", () => {
  it("dropTenant disposes the tenant's isolate and forgets its modules", async () => {
    const own = await createRuntime({ workers: 1, log: () => {} });
    try {
      const guard = () => own.evaluate({ tenant: "gone", bindings: [{ id: "b", handler: "guard.p.guard" }], event: EVENT, limits: { timeout_ms: 5000 } });
      await own.load({ tenant: "gone", module: "guard.p", source: GUARD });
      expect((await guard()).result).toBe("DENY");
      await expect.poll(() => own.stats().workers[0]!.isolates, { timeout: 10_000 }).toBe(1);
      own.dropTenant("gone");
      expect(own.policies("gone")).toEqual([]);
      await expect(guard()).rejects.toMatchObject({ code: "PAL_MODULE_NOT_FOUND" });
      await expect.poll(() => own.stats().workers[0]!.isolates, { timeout: 10_000 }).toBe(0);
      await own.load({ tenant: "gone", module: "guard.p", source: GUARD });
      expect((await guard()).result).toBe("DENY");
    } finally {
      await own.close();
    }
  });
});

describe("limits that hold", () => {
  it("no resizable ArrayBuffer can be made, by any constructor a policy can reach", async () => {
    await rt.load({ tenant: "buffers", module: "probe.p", source: probe(`
      const make = [
        () => new ArrayBuffer(8, { maxByteLength: 1 << 30 }),
        () => new (new Uint8Array(1).buffer.constructor as any)(8, { maxByteLength: 1 << 30 }),
        () => Reflect.construct(ArrayBuffer, [8, { maxByteLength: 1 << 30 }]),
        () => { class Big extends ArrayBuffer { constructor() { super(8, { maxByteLength: 1 << 30 } as any); } } return new Big(); },
        () => new ArrayBuffer(8).slice(0, 8),
      ];
      const made = make.map((m) => m());
      return { result: "ALLOW", reason: made.map((b) => String(b.resizable) + (b instanceof ArrayBuffer)).join(",") };`) });
    const d = await run("buffers", "probe.p.f");
    expect(d).toMatchObject({ result: "ALLOW", reason: "b: falsetrue,falsetrue,falsetrue,falsetrue,falsetrue" });
  });

  it("a buffer grown past memory_mb by transfer() fails as memory, not by the worker's RSS", async () => {
    await rt.load({ tenant: "transfer", module: "probe.p", source: probe("const b = new ArrayBuffer(8).transfer(1 << 30); return { result: 'ALLOW', reason: String(b.byteLength) };") });
    const d = await rt.evaluate({ tenant: "transfer", bindings: [{ id: "b", handler: "probe.p.f" }], event: EVENT, limits: { timeout_ms: 5000, memory_mb: 32 } });
    expect(d.policies[0]).toMatchObject({ result: "DENY", error: { kind: "memory" } });
    expect(rt.stats().worker_restarts).toBe(0);
  });

  it("nothing can schedule tenant code to run after a call: no FinalizationRegistry, no WeakRef", async () => {
    await rt.load({ tenant: "later", module: "probe.p", source: probe("return { result: 'ALLOW', reason: [typeof FinalizationRegistry, typeof WeakRef, typeof (globalThis as any).FinalizationRegistry].join(',') };") });
    expect((await run("later", "probe.p.f")).reason).toBe("b: undefined,undefined,undefined");
  });
});

describe("blame a tenant cannot steer", () => {
  it("culprit lines come only from the worker's own pipe, and tenant text on stderr stays on one line", () => {
    expect(culpritOf(culpritLine("acme"))).toBe("acme");
    // What a tenant could once print to stderr is no culprit line: only fd 4 is read for those.
    expect(culpritOf("palisade worker culprit: victim")).toBeNull();
    expect(culpritOf('culprit "vic')).toBeNull(); // cut short by the kill
    expect(oneLine('boom\nculprit "victim"\r\u2028x')).toBe('boom\\u000aculprit "victim"\\u000d\\u2028x');
  });

  it("a host event loop blocked for 3 s does not make healthy workers look hung", async () => {
    const stalled = await createRuntime({ workers: 1, hangMs: 400, log: () => {} });
    try {
      await stalled.load({ tenant: "calm", module: "slow.p", source: 'export const slow = () => { const end = Date.now() + 200; while (Date.now() < end) {} return { result: "ALLOW" }; };\nexport const POLICY_REGISTRY = [{ handler: "slow.p.slow" }];' });
      const pending = stalled.evaluate({ tenant: "calm", bindings: [{ id: "s", handler: "slow.p.slow" }], event: EVENT, limits: { timeout_ms: 5000 } });
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        // this process's event loop is blocked: the worker's heartbeats wait in the pipe
      }
      expect((await pending).policies[0]).toMatchObject({ result: "ALLOW", error: null });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(stalled.stats().worker_restarts).toBe(0);
    } finally {
      await stalled.close();
    }
  });
});

describe("caches that cannot tell one tenant what another loaded", () => {
  it("tenant code is known to workers by a per-tenant id; only shared code by its sha256", () => {
    const sha = "a".repeat(64);
    expect(codeIdOf("one", sha, false)).not.toBe(codeIdOf("two", sha, false));
    expect(codeIdOf("one", sha, false)).not.toBe(sha);
    expect(codeIdOf("one", sha, true)).toBe(sha);
  });
});
