import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERRORS, PalisadeError, formatDiagnostics, isPalisadeError } from "palisade/sdk";

describe("error table", () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const rows = new Map([...doc.matchAll(/^\| `(PAL_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])]));

  it("documents every code with its HTTP status, and nothing else", () => {
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status])));
  });

  it("round-trips an error through its wire form, keeping the code", () => {
    const error = new PalisadeError("PAL_PARAMS_INVALID", "bad params", { issues: [{ instancePath: "/a", message: "must be string" }] });
    const wire = JSON.parse(JSON.stringify(error));
    expect(wire).toEqual({ code: "PAL_PARAMS_INVALID", message: "bad params", details: { issues: [{ instancePath: "/a", message: "must be string" }] } });
    const back = PalisadeError.from(wire);
    expect(isPalisadeError(back) && back.code === "PAL_PARAMS_INVALID" && back.statusCode === 422).toBe(true);
    expect(isPalisadeError(wire)).toBe(true);
    expect(isPalisadeError(new Error("x"))).toBe(false);
    expect(() => PalisadeError.from({ code: "PAL_NOPE" as never, message: "" })).toThrow(/unknown error code/);
  });

  it("formats the first diagnostics as file:line:col", () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ file: "a.ts", line: i + 1, column: 2, message: `m${i}` }));
    expect(formatDiagnostics(many)).toBe("a.ts:1:2: m0\na.ts:2:2: m1\na.ts:3:2: m2\na.ts:4:2: m3\na.ts:5:2: m4\n… and 2 more");
    expect(formatDiagnostics([{ message: "no location" }])).toBe("no location");
  });
});
