// deny_pii in the real sandbox.
import { describe, expect, it } from "vitest";
import type { PolicyEvent } from "palisade/sdk";
import { run, succeed, succeedOnLargeInput, toolCall, verdict } from "../helpers/builtins.ts";
import { tooDeep } from "../helpers/nesting.ts";

const request = (text: string, attachment?: string): PolicyEvent => ({
  type: "request",
  data: { user_content: text, ...(attachment ? { attachments: [{ filename: "a.txt", text: attachment }] } : {}) },
});
const llm = (content: string | unknown[]): PolicyEvent => ({ type: "llm_request", data: { model: "m", messages: [{ role: "system", content: "be nice" }, { role: "user", content }] } });
const call = (args: Record<string, unknown>) => toolCall("send", args);

describe("deny_pii", () => {
  it.each([
    ["an SSN in a request", request("my ssn is 123-45-6789"), "DENY", "social security number"],
    ["a card number in an attachment", request("see file", "card: 4111 1111 1111 1111"), "DENY", "credit card number"],
    ["an email in an LLM message", llm("write to jane.doe@example.com"), "DENY", "email address"],
    ["a phone number in LLM content parts", llm([{ type: "text", text: "call +44 20 7946 0958" }]), "DENY", "phone number"],
    ["an IBAN in tool arguments", call({ payment: { to: ["DE89 3704 0044 0532 0130 00"] } }), "DENY", "IBAN"],
    ["PII as an argument key", call({ "jane.doe@example.com": true }), "DENY", "email address"],
    ["several kinds", call({ a: "123-45-6789", b: "(212) 555-0142" }), "DENY", "social security number, phone number"],
    ["a card failing Luhn", request("card 4111 1111 1111 1112"), null, null],
    ["an IBAN with a bad checksum", call({ iban: "DE89 3704 0044 0532 0130 01" }), null, null],
    ["an SSN with area 000", request("000-12-3456"), null, null],
    ["an SSN with area 666", request("666-12-3456"), null, null],
    ["an SSN with area 9xx", request("987-65-4321"), null, null],
    ["dates and versions, not phones", request("Released 2024-01-15 as v1.2.3 (build 10.0.19045); due 12/31/2024"), null, null],
    ["order and ticket numbers", call({ order: "order #123456789", ticket: "JIRA-12345" }), null, null],
    ["no PII", request("What is the weather in Paris?"), null, null],
  ] as const)("%s → %s", async (_, event, result, types) => {
    const outcome = await succeed("deny_pii", {}, event);
    expect(outcome.result).toBe(result);
    if (types) expect(outcome.reason).toMatch(new RegExp(`: ${types}\\.$`));
  });

  it("never echoes the PII in its reason", async () => {
    const outcome = await succeed("deny_pii", {}, request("ssn 123-45-6789, card 4111111111111111, jane@example.com, +1 212 555 0142, GB82 WEST 1234 5698 7654 32"));
    expect(outcome.reason).toBe("Personal data in the request: social security number, credit card number, email address, phone number, IBAN.");
    for (const piece of ["6789", "1111", "jane", "0142", "WEST"]) expect(outcome.reason).not.toContain(piece);
  });

  it("checks only the chosen types, and answers with the chosen action", async () => {
    const event = request("jane@example.com 123-45-6789");
    expect(await verdict("deny_pii", { pii_types: ["phone"] }, event)).toBeNull();
    expect(await succeed("deny_pii", { pii_types: ["email"], action: "ASK" }, event)).toMatchObject({ result: "ASK", reason: "Personal data in the request: email address." });
  });

  it("abstains on events it does not read", async () => {
    expect(await verdict("deny_pii", {}, { type: "response", data: { content: "jane@example.com" } })).toBeNull();
    expect(await verdict("deny_pii", {}, { type: "tool_result", data: { name: "x", result: "jane@example.com" } })).toBeNull();
  });

  it("ASKs when arguments are too deeply nested to read (cannot decide safely)", async () => {
    expect(await verdict("deny_pii", {}, call({ deep: tooDeep("nothing to see") }))).toBe("ASK");
  });

  it("refuses unknown types and actions", async () => {
    await expect(run("deny_pii", { pii_types: ["passport"] }, request("x"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
    await expect(run("deny_pii", { action: "ALLOW" }, request("x"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
  });

  it("scans a large request", async () => {
    const text = "Order 4471 shipped on 2024-03-05 to the Paris office, ref v2.14.1, total 1299.00 EUR. ".repeat(9_000);
    expect((await succeedOnLargeInput("deny_pii", {}, request(text))).result).toBeNull();
  });
});
