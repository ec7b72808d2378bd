// redact_secrets in the real sandbox.
import { describe, expect, it } from "vitest";
import type { PolicyEvent } from "palisade/sdk";
import { run, succeed, succeedOnLargeInput, toolCall, verdict } from "../helpers/builtins.ts";
import { nested } from "../helpers/nesting.ts";

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const GHP = `ghp_${"a1B2".repeat(9)}`;

describe("redact_secrets", () => {
  it.each([
    ["aws_access_key", { cmd: "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE" }, { cmd: "export AWS_ACCESS_KEY_ID=[REDACTED:aws_access_key]" }],
    ["aws_secret_key", { env: "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" }, { env: "aws_secret_access_key=[REDACTED:aws_secret_key]" }],
    ["gcp_api_key", { url: "https://maps.googleapis.com/?key=AIzaSyA-1234567890abcdefghijklmnopqrstu" }, { url: "https://maps.googleapis.com/?key=[REDACTED:gcp_api_key]" }],
    ["github_token", { token: GHP }, { token: "[REDACTED:github_token]" }],
    ["slack_token", { t: "xoxb-1234567890-0987654321-AbCdEfGhIjKl" }, { t: "[REDACTED:slack_token]" }],
    ["jwt", { headers: { Cookie: `session=${JWT}` } }, { headers: { Cookie: "session=[REDACTED:jwt]" } }],
    ["private_key", { key: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----" }, { key: "[REDACTED:private_key]" }],
    ["password (text)", { dsn: "postgres://app:s3cr3t@db:5432/x" }, { dsn: "postgres://app:[REDACTED:password]@db:5432/x" }],
    ["password (key)", { login: { user: "bob", password: "hunter2" } }, { login: { user: "bob", password: "[REDACTED:password]" } }],
    ["bearer_token", { headers: { Authorization: "Bearer abc.def-ghi_123" } }, { headers: { Authorization: "Bearer [REDACTED:bearer_token]" } }],
  ])("%s in tool arguments", async (kind, args, redacted) => {
    const outcome = await succeed("redact_secrets", {}, toolCall("http", args));
    expect(outcome).toMatchObject({ result: "ALLOW", reason: `Redacted secrets: ${kind.replace(/ \(.*/, "")}.` });
    expect(outcome.data).toEqual({ name: "http", arguments: redacted });
  });

  it("keeps the structure of the arguments: keys, arrays, numbers, booleans, nulls", async () => {
    const args = { list: [1, true, null, { deep: ["password=x", 2] }], "a b": { "": "AKIAIOSFODNN7EXAMPLE" }, n: 0 };
    const outcome = await succeed("redact_secrets", {}, toolCall("t", args));
    expect(outcome.data).toEqual({
      name: "t",
      arguments: { list: [1, true, null, { deep: ["password=[REDACTED:password]", 2] }], "a b": { "": "[REDACTED:aws_access_key]" }, n: 0 },
    });
  });

  it("redacts LLM messages, keeping roles and content parts", async () => {
    const event: PolicyEvent = {
      type: "llm_request",
      data: { model: "m", messages: [{ role: "system", content: "plain" }, { role: "user", content: [{ type: "text", text: `use ${GHP}` }] }] },
    };
    const outcome = await succeed("redact_secrets", {}, event);
    expect(outcome).toMatchObject({ result: "ALLOW", reason: "Redacted secrets: github_token." });
    expect(outcome.data).toEqual({
      model: "m",
      messages: [{ role: "system", content: "plain" }, { role: "user", content: [{ type: "text", text: "use [REDACTED:github_token]" }] }],
    });
  });

  it("redacts what a tool returns, keeping its shape (an MCP result's content parts)", async () => {
    const result = { content: [{ type: "text", text: "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE" }], isError: false };
    const outcome = await succeed("redact_secrets", {}, { type: "tool_result", data: { name: "get-env", result } });
    expect(outcome).toMatchObject({ result: "ALLOW", reason: "Redacted secrets: aws_access_key." });
    expect(outcome.data).toEqual({ name: "get-env", result: { content: [{ type: "text", text: "AWS_ACCESS_KEY_ID=[REDACTED:aws_access_key]" }], isError: false } });
    expect(await verdict("redact_secrets", {}, { type: "tool_result", data: { name: "x", result: "nothing here" } })).toBeNull();
  });

  it("abstains when nothing is found, and on other events", async () => {
    expect(await verdict("redact_secrets", {}, toolCall("t", { q: "password reset", key: "AKIA-not-a-key", p: "password=${PW}" }))).toBeNull();
    expect(await verdict("redact_secrets", {}, { type: "request", data: { user_content: `token ${GHP}` } })).toBeNull();
  });

  it("redacts only the chosen kinds", async () => {
    const outcome = await succeed("redact_secrets", { kinds: ["jwt"] }, toolCall("t", { a: JWT, b: "AKIAIOSFODNN7EXAMPLE", password: "x" }));
    expect(outcome.data).toEqual({ name: "t", arguments: { a: "[REDACTED:jwt]", b: "AKIAIOSFODNN7EXAMPLE", password: "x" } });
  });

  it("never returns a constructor.prototype pair, which the host would refuse", async () => {
    const args = JSON.parse('{"constructor": {"prototype": {"password": "x"}, "password": "y"}}') as Record<string, unknown>;
    const outcome = await succeed("redact_secrets", {}, toolCall("t", args));
    expect(outcome.data).toEqual({ name: "t", arguments: { constructor: { password: "[REDACTED:password]" } } });
  });

  it("ASKs when arguments are too deep to scan fully (cannot decide safely)", async () => {
    // Past lib/secrets.ts's own depth limit (64), which it does not export.
    expect(await verdict("redact_secrets", {}, toolCall("t", { deep: nested(70, "password=x") }))).toBe("ASK");
  });

  it("refuses unknown kinds", async () => {
    await expect(run("redact_secrets", { kinds: ["ssh_key"] }, toolCall("t"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
  });

  // The redacted copy is the policy's output, which max_output_bytes (256 KiB by default) caps:
  // a bigger one fails the call, closed.
  it("redacts large arguments", async () => {
    const text = `log line with user=bob status=200 path=/api/v1/items ${"x".repeat(40)}\n`.repeat(2_000) + `password=hunter2`;
    const outcome = await succeedOnLargeInput("redact_secrets", {}, toolCall("t", { text }));
    expect((outcome.data as { arguments: { text: string } }).arguments.text.endsWith("password=[REDACTED:password]")).toBe(true);
  });
});
