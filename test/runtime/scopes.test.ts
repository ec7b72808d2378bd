// Bindings in groups (a host's session, agent and tenant scopes): each group runs in turn by its
// own order, each policy says its scope, and a DENY from any group wins.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "palisade/runtime";
import type { Binding, PolicyEvent } from "palisade/sdk";

const SAY = `
export const say = ({ verdict }: { verdict: string }) => () => ({ result: verdict, reason: verdict.toLowerCase() });
export const POLICY_REGISTRY = [{ handler: "g.p.say", kind: "factory", params_schema: { type: "object", properties: { verdict: { enum: ["ALLOW", "ASK", "DENY"] } }, required: ["verdict"] } }];
`;
const say = (id: string, verdict: string, order?: number): Binding => ({ id, handler: "g.p.say", params: { verdict }, ...(order === undefined ? {} : { order }) });
const event: PolicyEvent = { type: "response", data: { content: "x" } };

let rt: Runtime;
beforeAll(async () => {
  rt = await createRuntime({ workers: 1, log: () => {} });
  await rt.load({ tenant: "g", module: "g.p", source: SAY });
});
afterAll(() => rt.close());

describe("scoped groups", () => {
  it("run group by group in the order scopes first appear, each by its own order, naming their scope", async () => {
    // Orders would interleave the groups if they were sorted together.
    const bindings = [say("t1", "ALLOW", -5), say("s1", "ALLOW", 10), say("a1", "ALLOW", 0), say("s2", "ALLOW", 1)];
    const d = await rt.evaluate({ tenant: "g", bindings, scopes: ["tenant", "session", "agent", "session"], event });
    expect(d.policies.map((p) => [p.binding, p.scope])).toEqual([["t1", "tenant"], ["s2", "session"], ["s1", "session"], ["a1", "agent"]]);
    // The caller's order of groups decides, not the names.
    const swapped = await rt.evaluate({ tenant: "g", bindings: [say("s1", "ALLOW", 10), say("t1", "ALLOW", -5), say("a1", "ALLOW", 0), say("s2", "ALLOW", 1)], scopes: ["session", "tenant", "agent", "session"], event });
    expect(swapped.policies.map((p) => p.binding)).toEqual(["s2", "s1", "t1", "a1"]);
  });

  it("a DENY from a later group still wins over an earlier group's ALLOW and ASK", async () => {
    const d = await rt.evaluate({ tenant: "g", bindings: [say("s", "ASK"), say("a", "ALLOW"), say("t", "DENY")], scopes: ["session", "agent", "tenant"], event });
    expect(d).toMatchObject({ result: "DENY", decided_by: ["t"], reason: "t: deny" });
  });

  it("without scopes, one group and no scope field", async () => {
    const d = await rt.evaluate({ tenant: "g", bindings: [say("b", "ALLOW", 2), say("a", "ALLOW", 1)], event });
    expect(d.policies.map((p) => p.binding)).toEqual(["a", "b"]);
    expect(d.policies[0]).not.toHaveProperty("scope");
  });

  it("refuses a binding id twice, and scopes that do not line up", async () => {
    await expect(rt.evaluate({ tenant: "g", bindings: [say("x", "ALLOW"), say("x", "DENY")], event })).rejects.toMatchObject({ code: "PAL_BINDING_INVALID", message: 'binding id "x" appears twice; ids must be unique within one evaluation' });
    await expect(rt.evaluate({ tenant: "g", bindings: [say("x", "ALLOW")], scopes: [], event })).rejects.toMatchObject({ code: "PAL_REQUEST_INVALID" });
    await expect(rt.evaluate({ tenant: "g", bindings: [say("x", "ALLOW")], scopes: [3 as never], event })).rejects.toMatchObject({ code: "PAL_REQUEST_INVALID" });
  });
});
