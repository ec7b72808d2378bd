// Per-tenant metric series live as long as their tenant.
import { expect, it } from "vitest";
import { startHost, tenantWithKeys } from "../helpers/host.ts";

it("drops a deleted tenant's series from /metrics", async () => {
  const host = await startHost();
  try {
    const keys = await tenantWithKeys(host, "gone");
    await host.call("PUT", "/v1/tenants/gone/modules/gone.p", keys.author, { source: 'export const bad = () => 42;\nexport const POLICY_REGISTRY = [{ handler: "gone.p.bad" }];' });
    await host.call("PUT", "/v1/tenants/gone/bindings/bad", keys.security, { handler: "gone.p.bad" });
    expect((await host.call("POST", "/v1/tenants/gone/evaluate", keys.agent, { event: { type: "response", data: { content: "x" } } })).body.result).toBe("DENY");
    const before = (await host.call("GET", "/metrics", null)).body as string;
    expect(before).toMatch(/palisade_decisions_total\{tenant="gone",result="DENY"\} 1/);
    expect(before).toMatch(/palisade_policy_errors_total\{tenant="gone",kind="invalid_result"\} 1/);

    expect((await host.call("DELETE", "/v1/tenants/gone")).status).toBe(204);
    expect((await host.call("GET", "/metrics", null)).body).not.toContain('tenant="gone"');
  } finally {
    await host.close();
  }
});
