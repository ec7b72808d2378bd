import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../sdk/json.ts";
import { MAX_OUTPUT_DEPTH, parseCallOutput } from "../../runtime/worker/output.ts";

describe("policy output checks", () => {
  it("measures nesting without being fooled by brackets inside strings", () => {
    expect(nestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":1}]}', 2)).toBe(true);
    expect(nestsDeeperThan('{"s":"[[[[[[\\"{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"s":"\\\\"}', 1)).toBe(false);
  });

  it("refuses output nested deeper than MAX_OUTPUT_DEPTH as invalid_result", () => {
    const nest = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
    expect(parseCallOutput(`R{"result":"ALLOW","data":${nest(MAX_OUTPUT_DEPTH - 1)}}`, "x", 1 << 20)).toMatchObject({ verdict: { result: "ALLOW" } });
    expect(parseCallOutput(`R{"result":"ALLOW","data":${nest(MAX_OUTPUT_DEPTH)}}`, "x", 1 << 20)).toEqual({
      error: { kind: "invalid_result", message: `the result nests deeper than ${MAX_OUTPUT_DEPTH} levels` },
    });
  });

  it("counts the output cap in bytes and refuses forbidden keys", () => {
    expect(parseCallOutput(`R{"result":"ALLOW","reason":"${"é".repeat(10)}"}`, "x", 30)).toMatchObject({ error: { kind: "invalid_result" } });
    expect(parseCallOutput('R{"result":"ALLOW","data":{"__proto__":{"x":1}}}', "x", 1000)).toMatchObject({ error: { kind: "invalid_result", message: expect.stringContaining("forbidden key") } });
    expect(parseCallOutput('R{"result":"deny"}', "x", 1000)).toEqual({ verdict: { result: "DENY" } });
    expect(parseCallOutput("A", "x", 1000)).toEqual({ verdict: null });
  });
});
