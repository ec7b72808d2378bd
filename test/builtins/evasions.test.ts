// Inputs built to slip past the builtins, found in review; each row failed before its fix.
import { describe, expect, it } from "vitest";
import type { PolicyEvent } from "palisade/sdk";
import { callSignature } from "../../builtins/tools.ts";
import { succeed, succeedOnLargeInput, toolCall, verdict } from "../helpers/builtins.ts";

const fetch = (args: Record<string, unknown>) => toolCall("fetch", args);

describe("URLs broken by tabs, newlines and spaces, which URL parsers delete or take in", () => {
  const ALLOW = { allowed_domains: ["good.com"] };
  const BLOCK = { blocked_domains: ["evil.com"] };

  it.each([
    ["a newline before userinfo's @", { url: "https://good.com\n@evil.com" }, "DENY"],
    ["a tab before a further label", { url: "https://good.com\t.evil.com" }, "DENY"],
    ["a space before userinfo's @", { url: "https://good.com @evil.com" }, "DENY"],
    ["a no-break space before userinfo's @", { url: "https://good.com\u00a0@evil.com" }, "DENY"],
    ["a control character before the scheme", { url: "\u0001https://evil.com/" }, "DENY"],
    ["a newline before userinfo's @, in running text: ASK, the reading is less likely", { q: "https://good.com\n@evil.com" }, "ASK"],
    ["a tab before a further label, in running text", { q: "see https://good.com\t.evil.com and more" }, "ASK"],
    ["a newline right after //, in running text: read as URL parsers do, deleted", { q: "see http://\nevil.com and more" }, "DENY"],
    ["thousands of newlines before userinfo's @, in running text", { q: `https://good.com${"\n".repeat(3000)}@evil.com` }, "ASK"],
  ])("allow_domains: %s", async (_, args, result) => {
    expect(await verdict("allow_domains", ALLOW, fetch(args))).toBe(result);
  });

  it.each([
    ["a tab inside the host", { url: "http://ev\til.com/x" }],
    ["a newline inside the host, in running text", { u: "http://evil.co\nm/x" }],
    ["a percent-encoded tab inside the host", { q: "http%3A%2F%2Fev%09il.com%2Fx" }],
  ])("block_domains: %s", async (_, args) => {
    expect(await verdict("block_domains", BLOCK, fetch(args))).toBe("DENY");
  });

  it("still allows URLs that merely sit next to spaces and line breaks", async () => {
    expect(await verdict("allow_domains", ALLOW, fetch({ url: " https://good.com/a b\n" }))).toBe("ALLOW");
    expect(await verdict("allow_domains", ALLOW, fetch({ q: "https://good.com\n/path and https://good.com/x\nmore" }))).toBe("ALLOW");
  });
});

describe("personal data in more LLM message text than deny_pii reads: ASK, never no opinion", () => {
  const SSN = "my ssn is 123-45-6789";
  let deep: unknown[] = [SSN];
  for (let i = 1; i < 40; i++) deep = [deep];
  const crowded = [...Array.from({ length: 10_000 }, () => "x"), SSN];
  const llm = (content: unknown[]): PolicyEvent => ({ type: "llm_request", data: { model: "m", messages: [{ role: "user", content }] } });

  it("nested in 40 arrays in a message", async () => {
    expect(await verdict("deny_pii", {}, llm(deep))).toBe("ASK");
  });

  it("after 10,000 other strings in a message", async () => {
    expect((await succeedOnLargeInput("deny_pii", {}, llm(crowded))).result).toBe("ASK");
  });
});

describe("path_guard: a URL-shaped value under a path key is a path to the file tool", () => {
  const GUARD = { allowed_roots: ["/data"] };

  it.each([
    ["climbing out of the root", { cwd: "/data/p", path: "a://../../../etc/passwd" }, "DENY"],
    ["with no working directory", { path: "https://example.com/data" }, "ASK"],
  ])("%s", async (_, args, result) => {
    expect(await verdict("path_guard", GUARD, toolCall("read_file", args))).toBe(result);
  });
});

describe("tool-name globs on a name built to make matching backtrack", () => {
  const TOOLS = { tools: ["*a*a*a*b"], reason: "Blocked." };
  const name = "a".repeat(20_000);

  it.each([
    [name, null],
    [`${name}B`, "DENY"],
  ])("block_tools decides on 20,000 characters (%#)", async (tool, result) => {
    expect((await succeedOnLargeInput("block_tools", TOOLS, toolCall(tool))).result).toBe(result);
  });
});

describe("redact_secrets: a secret as an object key", () => {
  const TOKEN = `ghp_${"a".repeat(36)}`;

  it.each([
    ["a token as a key", { [TOKEN]: "x" }, { "[REDACTED:github_token]": "x" }],
    ["a header line as a key", { headers: { [`Authorization: Bearer ${TOKEN}`]: true } }, { headers: { "Authorization: Bearer [REDACTED:github_token]": true } }],
    ["a key that clashes once redacted keeps both values", { [TOKEN]: "x", "[REDACTED:github_token]": "y" }, { "[REDACTED:github_token]#2": "x", "[REDACTED:github_token]": "y" }],
  ])("%s", async (_, args, redacted) => {
    const outcome = await succeed("redact_secrets", {}, toolCall("http", args));
    expect(outcome).toMatchObject({ result: "ALLOW", reason: "Redacted secrets: github_token." });
    expect(outcome.data).toEqual({ name: "http", arguments: redacted });
  });
});

describe("deny_pii: personal data written to slip past ASCII patterns", () => {
  it.each([
    ["a full-width SSN", "ssn １２３-４５-６７８９"],
    ["a full-width @ in an email address", "write to john＠example.com"],
    ["full-width card digits", "card ４１１１ １１１１ １１１１ １１１１"],
    ["a zero-width space inside an SSN", "ssn 123-45-67\u200b89"],
    ["a soft hyphen inside a card number", "card 4111111111\u00ad111111"],
  ])("%s", async (_, text) => {
    expect(await verdict("deny_pii", {}, toolCall("send", { text }))).toBe("DENY");
  });
});

describe("a name too long to quote in a reason still gets the verdict, not the binding's on_error", () => {
  const long = "x".repeat(5_000);

  it.each([
    ["block_tools", { tools: ["x*"] }, toolCall(long), "DENY"],
    ["ask_tools", { tools: ["x*"] }, toolCall(long), "ASK"],
    ["allow_tools", { tools: ["read_*"] }, toolCall(long), "DENY"],
    ["model_allowlist", { models: ["gpt-*"] }, { type: "llm_request", data: { model: long, messages: [] } } as PolicyEvent, "DENY"],
  ])("%s", async (name, params, event, result) => {
    expect(await verdict(name, params, event)).toBe(result);
  });

  it("detect_loop", async () => {
    const event = { ...toolCall(long), context: { session_id: "s" } };
    expect(await verdict("detect_loop", { threshold: 2 }, event, { recent: [callSignature(long, {})] })).toBe("ASK");
  });
});

describe("session counters on an event without context.session_id, whose state the host drops", () => {
  it.each([
    ["max_tool_calls_per_session", { limit: 1 }, "Counting tool calls per session needs context.session_id, and this event has none."],
    ["detect_loop", {}, "Spotting loops needs context.session_id, and this event has none."],
  ])("%s asks rather than allowing forever", async (name, params, reason) => {
    expect(await succeed(name, params, toolCall("search"))).toMatchObject({ result: "ASK", reason });
  });
});
