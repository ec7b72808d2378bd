// builtins/lib/secrets.ts, run directly.
import { describe, expect, it } from "vitest";
import { redactData, redactText, SECRET_KINDS, secretKindOfKey, type SecretKind } from "../../builtins/lib/secrets.ts";
import { nested } from "../helpers/nesting.ts";

const ALL = new Set<SecretKind>(SECRET_KINDS);
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA75\nq2wE=\n-----END RSA PRIVATE KEY-----";

describe("redactText", () => {
  it.each([
    ["key AKIAIOSFODNN7EXAMPLE here", "key [REDACTED:aws_access_key] here"],
    ["ASIAY34FZKBOKMUTVV7A", "[REDACTED:aws_access_key]"],
    ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [REDACTED:aws_secret_key]"],
    ['"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"', '"AWS_SECRET_ACCESS_KEY": "[REDACTED:aws_secret_key]"'],
    ["key=AIzaSyA-1234567890abcdefghijklmnopqrstu&x", "key=[REDACTED:gcp_api_key]&x"],
    [`token ghp_${"a1B2".repeat(9)}.`, "token [REDACTED:github_token]."],
    [`ANTHROPIC_API_KEY=sk-ant-api03-${"Ab9_-".repeat(18)}AA\n`, "ANTHROPIC_API_KEY=[REDACTED:anthropic_api_key]\n"],
    [`key sk-ant-oat01-${"x1".repeat(20)} end`, "key [REDACTED:anthropic_api_key] end"],
    [`x=xsk-ant-api03-${"Ab9".repeat(10)} 1sk-ant-api03-${"Ab9".repeat(10)}`, "x=x[REDACTED:anthropic_api_key] 1[REDACTED:anthropic_api_key]"],
    [`OPENAI_API_KEY="sk-proj-${"aB3".repeat(20)}"`, `OPENAI_API_KEY="[REDACTED:openai_api_key]"`],
    [`sk-${"Z9".repeat(24)}`, "[REDACTED:openai_api_key]"],
    ["pip install sk-learn-extensions-for-everyone", "pip install sk-learn-extensions-for-everyone"],
    [`hf_${"a1".repeat(17)} gsk_${"b2".repeat(26)} xai-${"c3".repeat(40)} r8_${"d4".repeat(20)} pplx-${"e5".repeat(24)}`,
      "[REDACTED:model_api_key] [REDACTED:model_api_key] [REDACTED:model_api_key] [REDACTED:model_api_key] [REDACTED:model_api_key]"],
    [`gho_${"Z".repeat(36)} ghs_${"9".repeat(36)} ghu_${"x".repeat(36)} ghr_${"y".repeat(36)}`, "[REDACTED:github_token] [REDACTED:github_token] [REDACTED:github_token] [REDACTED:github_token]"],
    [`github_pat_11ABCDEFG0123456789_${"a".repeat(59)}`, "[REDACTED:github_token]"],
    ["SLACK=xoxb-1234567890-0987654321-AbCdEfGhIjKl", "SLACK=[REDACTED:slack_token]"],
    ["xoxp-1234-5678-abcd xoxa-2-abcdefghij", "[REDACTED:slack_token] [REDACTED:slack_token]"],
    [`jwt=${JWT};`, "jwt=[REDACTED:jwt];"],
    [`key:\n${PEM}\nafter`, "key:\n[REDACTED:private_key]\nafter"],
    ["-----BEGIN PRIVATE KEY-----\nMIIE...cut off", "[REDACTED:private_key]"],
    ["-----BEGIN PGP PRIVATE KEY BLOCK-----\nxcLY\n-----END PGP PRIVATE KEY BLOCK----- ok", "[REDACTED:private_key] ok"],
    ["password=hunter2&user=bob", "password=[REDACTED:password]&user=bob"],
    ["DB_PASSWORD: 'correct horse'", "DB_PASSWORD: '[REDACTED:password]'"],
    ['{"password": "p@ss w0rd", "user": "bob"}', '{"password": "[REDACTED:password]", "user": "bob"}'],
    ['echo {\\"password\\": \\"p@ss\\"}', 'echo {\\"password\\": \\"[REDACTED:password]\\"}'],
    ["passwd: s3cret", "passwd: [REDACTED:password]"],
    ["pwd=abc123", "pwd=[REDACTED:password]"],
    ["mysql --password s3cret -u root", "mysql --password [REDACTED:password] -u root"],
    ["https://bob:hunter2@db.example.com/x", "https://bob:[REDACTED:password]@db.example.com/x"],
    ["Authorization: Bearer abcdefghijk123", "Authorization: Bearer [REDACTED:bearer_token]"],
    ["curl -H 'Authorization: Basic dXNlcjpwYXNz'", "curl -H 'Authorization: Basic [REDACTED:bearer_token]'"],
    [`Authorization: Bearer ${JWT}`, "Authorization: Bearer [REDACTED:jwt]"],
  ])("%s", (text, expected) => {
    expect(redactText(text, ALL).text).toBe(expected);
  });

  it.each([
    ["placeholders", "password=${DB_PASSWORD} password=**** password=<secret> password={{ pass }}"],
    ["prose about passwords, and pwd: (a directory, not a password)", "reset your password via the link; pwd: /home/agent"],
    ["a key id of the wrong length", "AKIAIOSFODNN7EXAMPL"],
    ["a short Slack-like prefix", "xoxb-123"],
    ["one JWT segment", "eyJhbGciOiJIUzI1NiJ9"],
    ["a public key", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"],
    ["an already redacted value", "password=[REDACTED:password]"],
  ])("leaves %s alone", (_, text) => {
    expect(redactText(text, ALL)).toEqual({ text, found: [] });
  });

  it("redacts only the kinds asked for", () => {
    const text = `AKIAIOSFODNN7EXAMPLE password=x ${JWT}`;
    expect(redactText(text, new Set(["jwt"])).text).toBe("AKIAIOSFODNN7EXAMPLE password=x [REDACTED:jwt]");
    expect(redactText(text, new Set(["password", "aws_access_key"])).found).toEqual(["aws_access_key", "password"]);
  });

  // Inputs built to make a backtracking pattern take quadratic time or worse; how fast they
  // are redacted is for the benchmarks to measure (a wall-clock bound here fails on a loaded
  // machine), this checks what comes out.
  it.each([
    ["password=", 40_000, ["password"]],
    ["eyJ", 100_000, []],
    ["-----BEGIN PRIVATE KEY-----", 10_000, ["private_key"]],
    ["https://a:", 30_000, []],
    ["A", 300_000, []],
    ["authorization: ", 20_000, ["bearer_token"]],
  ])("finds the secrets in %j × %i", (unit, count, kinds) => {
    expect([...new Set(redactText(unit.repeat(count), ALL).found)]).toEqual(kinds);
  });
});

describe("redactData", () => {
  it("redacts string values by pattern and by key, keeping keys and shape", () => {
    const data = {
      url: "https://api.example.com",
      headers: { Authorization: "Basic abc", "X-Note": ["token AKIAIOSFODNN7EXAMPLE"] },
      db_password: "p",
      config: { aws_secret_access_key: "anything at all", passwords: ["a", "b"] },
      count: 3,
      ok: true,
      none: null,
    };
    const r = redactData(data, ALL);
    expect(r.value).toEqual({
      url: "https://api.example.com",
      headers: { Authorization: "Basic [REDACTED:bearer_token]", "X-Note": ["token [REDACTED:aws_access_key]"] },
      db_password: "[REDACTED:password]",
      config: { aws_secret_access_key: "[REDACTED:aws_secret_key]", passwords: ["[REDACTED:password]", "[REDACTED:password]"] },
      count: 3,
      ok: true,
      none: null,
    });
    expect([...r.found].sort()).toEqual(["aws_access_key", "aws_secret_key", "bearer_token", "password"]);
    expect(r.incomplete).toBe(false);
    expect(data.db_password).toBe("p");
  });

  it("never copies __proto__ or constructor.prototype", () => {
    const data = JSON.parse('{"__proto__": {"polluted": 1}, "password": "x", "a": {"constructor": {"prototype": {"b": 1}, "c": 2}}}');
    const r = redactData(data, ALL);
    expect(Object.keys(r.value as object)).toEqual(["password", "a"]);
    expect(JSON.stringify(r.value)).toBe('{"password":"[REDACTED:password]","a":{"constructor":{"c":2}}}');
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
  });

  it("says so when a value is too deep to scan", () => {
    // Past its own depth limit (64), which lib/secrets.ts does not export.
    expect(redactData(nested(100, "password=x"), ALL).incomplete).toBe(true);
  });

  it("names the kind of a key's value", () => {
    expect(secretKindOfKey("PGPASSWORD")).toBe("password");
    expect(secretKindOfKey("aws_secret_access_key")).toBe("aws_secret_key");
    expect(secretKindOfKey("Proxy-Authorization")).toBe("bearer_token");
    expect(secretKindOfKey("ANTHROPIC_API_KEY")).toBe("anthropic_api_key");
    expect(secretKindOfKey("openai_api_key")).toBe("openai_api_key");
    expect(secretKindOfKey("pwd")).toBeNull();
    expect(secretKindOfKey("password_hint_shown")).toBeNull();
  });
});
