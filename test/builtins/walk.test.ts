// builtins/lib/walk.ts: the text of an event, and knowing when some of it was not looked at.
import { describe, expect, it } from "vitest";
import { MAX_DEPTH, MAX_STRINGS, stringsIn } from "../../builtins/lib/walk.ts";
import { nested } from "../helpers/nesting.ts";

describe("stringsIn", () => {
  it("finds every string and key, with its path and key, and is complete for ordinary values", () => {
    expect(stringsIn({ a: ["x", { b: "y" }], n: 1 })).toEqual({
      complete: true,
      strings: [
        { path: "/a", text: "a", key: "", isKey: true }, { path: "/a/0", text: "x", key: "a", isKey: false },
        { path: "/a/1/b", text: "b", key: "a", isKey: true }, { path: "/a/1/b", text: "y", key: "b", isKey: false },
        { path: "/n", text: "n", key: "", isKey: true },
      ],
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
    expect(stringsIn(["abc", "defg", "hi"], 8)).toEqual({
      complete: false,
      strings: [{ path: "/0", text: "abc", key: "", isKey: false }, { path: "/1", text: "defg", key: "", isKey: false }],
    });
  });

  it("reports keys as they are, even with slashes or a #key ending, and reads numeric keys as indices", () => {
    const values = (value: unknown) => stringsIn(value).strings.filter((s) => !s.isKey).map((s) => [s.key, s.text]);
    expect(values({ "url/0": "a", "x#key": "b", host: { "0": "c", "": "d" } })).toEqual([["url/0", "a"], ["x#key", "b"], ["host", "c"], ["host", "d"]]);
    expect(stringsIn({ "a/b#key": 1 }).strings).toEqual([{ path: "/a/b#key", text: "a/b#key", key: "", isKey: true }]);
  });

  it("costs little on a hostile shape: 100,000 levels of nesting", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(stringsIn(deep).complete).toBe(false);
  });
});
