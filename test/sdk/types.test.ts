// The TypeScript types and the JSON schemas come from one source; these checks keep it so.
import { Ajv } from "ajv";
import { describe, expect, expectTypeOf, it } from "vitest";
import { PalisadeClient } from "palisade/sdk/client";
import { schemas, type Binding, type BindingInput, type Decision, type Limits, type PolicyEvent, type PolicyResponse, type RegistryEntry, type UpdateTenantInput, type Verdict } from "palisade/sdk";
import { BindingBody, UpdateTenant } from "../../sdk/api.ts";

const ajv = new Ajv({ strict: true, discriminator: true });

describe("types and schemas agree", () => {
  it("PolicyEvent is a union discriminated on type, with each type's data", () => {
    expectTypeOf<PolicyEvent["type"]>().toEqualTypeOf<"request" | "tool_call" | "tool_result" | "response" | "llm_request" | "llm_response">();
    expectTypeOf<Extract<PolicyEvent, { type: "tool_call" }>["data"]>().toEqualTypeOf<{ name: string; arguments: Record<string, unknown> }>();
    expectTypeOf<Extract<PolicyEvent, { type: "response" }>["data"]>().toEqualTypeOf<{ content: string }>();
    expectTypeOf<Verdict>().toEqualTypeOf<"ALLOW" | "ASK" | "DENY">();
    expectTypeOf<Binding["mode"]>().toEqualTypeOf<"enforce" | "shadow" | undefined>();
  });

  it("values typed by the TS types pass the schemas, and values the types reject fail them", () => {
    const events: PolicyEvent[] = [
      { type: "request", data: { user_content: "hi", attachments: [{ filename: "a.txt", text: "x" }] } },
      { type: "tool_call", data: { name: "f", arguments: { a: 1 } }, context: { tenant: "t", session_id: "s", labels: { env: "prod" } } },
      { type: "tool_result", data: { name: "f", result: [1, 2] } },
      { type: "response", data: { content: "done" } },
      { type: "llm_request", data: { model: "m", messages: [{ role: "user", content: "hi" }] } },
      { type: "llm_response", data: { model: "m", content: "ok", usage: { input_tokens: 1, output_tokens: 2, cost_usd: 0.01 } } },
    ];
    const event = ajv.compile(schemas.PolicyEvent);
    for (const e of events) expect(event(e), JSON.stringify(event.errors)).toBe(true);
    // @ts-expect-error -- a tool_call needs arguments
    const missing: PolicyEvent = { type: "tool_call", data: { name: "f" } };
    expect(event(missing)).toBe(false);

    const responses: PolicyResponse[] = [{ result: "ALLOW" }, { result: "deny", reason: "r", data: { x: 1 }, state_updates: [{ key: "n", action: "increment" }] }];
    const response = ajv.compile(schemas.PolicyResponse);
    for (const r of responses) expect(response(r)).toBe(true);
    // @ts-expect-error -- MAYBE is not a verdict
    const maybe: PolicyResponse = { result: "MAYBE" };
    expect(response(maybe)).toBe(false);

    const entry: RegistryEntry = { handler: "a.b.c", kind: "factory", params_schema: { type: "object" }, internal_only: true };
    expect(ajv.compile(schemas.RegistryEntry)(entry)).toBe(true);
    const binding: Binding = { id: "b", handler: "a.b.c", mode: "shadow", on_error: "ASK", events: ["tool_call"], order: 2, enabled: false };
    expect(ajv.compile(schemas.Binding)(binding)).toBe(true);
    const limits: Limits = { memory_mb: 64, timeout_ms: 50 };
    expect(ajv.compile(schemas.Limits)(limits)).toBe(true);
    const decision: Decision = { decision_id: "d", result: "ALLOW", reason: null, data: null, decided_by: [], policies: [], duration_ms: 0 };
    expect(ajv.compile(schemas.Decision)(decision)).toBe(true);
  });

  it("HTTP bodies are derived from the SDK schemas, and still refuse unknown keys", () => {
    const { id: _id, ...bindingWithoutId } = schemas.Binding.properties;
    expect(BindingBody.properties).toEqual(bindingWithoutId);
    expectTypeOf<BindingInput>().toEqualTypeOf<Omit<Binding, "id">>();
    const binding = ajv.compile(BindingBody);
    expect(binding({ handler: "a.b.c", mode: "shadow" })).toBe(true);
    expect(binding({ id: "b", handler: "a.b.c" })).toBe(false);
    expect(binding({ handler: "a.b.c", extra: 1 })).toBe(false);

    expectTypeOf<Parameters<PalisadeClient["updateTenant"]>[1]>().toEqualTypeOf<UpdateTenantInput>();
    const update = ajv.compile(UpdateTenant);
    expect(update({ name: "Acme", settings: { log_events: true, decision_retention: 10 } })).toBe(true);
    expect(update({ settings: { log_events: "yes" } })).toBe(false);
    expect(update({ settings: { retention: 10 } })).toBe(false);
    expect(update({ id: "acme" })).toBe(false);
  });
});
