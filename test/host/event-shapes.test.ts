// An event reaches policies as the agent sent it: the host's validation may coerce a scalar
// (a query string's "5"), but never turns a one-item array into its item, or refuses a one-item
// array of objects where the schema allows an array.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHost, tenantWithKeys, type TestHost } from "../helpers/host.ts";

const ECHO = `
export function echo(event: any) {
  return event.type === "llm_request" ? { result: "DENY", reason: JSON.stringify(event.data.messages.map((m: any) => m.content)) } : null;
}
export const POLICY_REGISTRY = [{ handler: "shapes.echo.echo" }];
`;

let host: TestHost;
let agent: string;
beforeAll(async () => {
  host = await startHost();
  const keys = await tenantWithKeys(host, "shapes");
  agent = keys.agent;
  expect((await host.call("PUT", "/v1/tenants/shapes/modules/shapes.echo", keys.author, { source: ECHO })).status).toBe(201);
  expect((await host.call("PUT", "/v1/tenants/shapes/bindings/echo", keys.security, { handler: "shapes.echo.echo" })).status).toBe(201);
});
afterAll(() => host.close());

it("llm_request content arrives as sent: a string, a one-item array of strings, a one-item array of blocks", async () => {
  const contents = ["plain", ["one"], [{ type: "text", text: "block" }]];
  const answer = await host.call("POST", "/v1/tenants/shapes/evaluate", agent, { event: { type: "llm_request", data: { model: "m", messages: contents.map((content) => ({ role: "user", content })) } } });
  expect(answer.status).toBe(200);
  expect(JSON.parse(answer.body.policies[0].reason)).toEqual(contents);
});
