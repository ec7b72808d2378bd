import { describe, expect, it } from "vitest";
import { applyStateUpdates } from "../../sdk/state.ts";

describe("applyStateUpdates", () => {
  it("sets, deletes, increments and appends, without touching the input", () => {
    const before = { n: 1, gone: true, list: ["a"] };
    const after = applyStateUpdates(before, [
      { key: "n", action: "increment" },
      { key: "n", action: "increment", value: 5 },
      { key: "gone", action: "delete" },
      { key: "list", action: "append", value: "b" },
      { key: "fresh", action: "append", value: 1 },
      { key: "label", action: "set", value: "x" },
      { key: "counter", action: "increment", value: 2 },
    ]);
    expect({ ...after }).toEqual({ n: 7, list: ["a", "b"], fresh: [1], label: "x", counter: 2 });
    expect(before).toEqual({ n: 1, gone: true, list: ["a"] });
  });

  it("treats odd current values predictably", () => {
    const after = applyStateUpdates({ n: "x", s: 3 }, [{ key: "n", action: "increment" }, { key: "s", action: "append", value: 4 }, { key: "u", action: "set" }]);
    expect({ ...after }).toEqual({ n: 1, s: [3, 4], u: null });
  });

  it("keeps __proto__ a plain key and never touches Object.prototype", () => {
    const after = applyStateUpdates({}, [{ key: "__proto__", action: "set", value: { polluted: true } }]);
    expect(Object.keys(after)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(after))).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
  });
});
