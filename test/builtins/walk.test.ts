// builtins/lib/walk.ts: the text of an event, and knowing when some of it was not looked at.
import { describe, expect, it } from "vitest";
import { MAX_DEPTH, MAX_STRINGS, stringsIn } from "../../builtins/lib/walk.ts";

const nested = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
};

describe("stringsIn", () => {
  it("finds every string and key, with its path, and is complete for ordinary values", () => {
    expect(stringsIn({ a: ["x", { b: "y" }], n: 1 })).toEqual({
      complete: true,
      strings: [{ path: "/a#key", text: "a" }, { path: "/a/0", text: "x" }, { path: "/a/1/b#key", text: "b" }, { path: "/a/1/b", text: "y" }, { path: "/n#key", text: "n" }],
    });
    expect(stringsIn(nested(MAX_DEPTH, "x"))).toMatchObject({ complete: true, strings: expect.arrayContaining([expect.objectContaining({ text: "x" })]) });
    expect(stringsIn(nested(MAX_DEPTH, {})).complete).toBe(true);
  });

  it("is not complete when text is too deep, there are too many strings, or too much text", () => {
    expect(stringsIn(nested(MAX_DEPTH + 1, "x")).complete).toBe(false);
    expect(stringsIn(nested(MAX_DEPTH + 1, { k: 1 })).complete).toBe(false);
    // Deeper than the limit, even numbers count as unseen: the walk does not go there at all.
    expect(stringsIn(nested(MAX_DEPTH + 5, 1)).complete).toBe(false);
    expect(stringsIn(Array.from({ length: MAX_STRINGS + 1 }, () => "x")).complete).toBe(false);
    expect(stringsIn(["abc", "defg", "hi"], 8)).toEqual({ complete: false, strings: [{ path: "/0", text: "abc" }, { path: "/1", text: "defg" }] });
  });

  it("costs little on a hostile shape: 100,000 levels of nesting", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(stringsIn(deep).complete).toBe(false);
  });
});
