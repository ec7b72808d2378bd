import { expect, it } from "vitest";
import { Lru } from "../../runtime/lru.ts";

it("forgets the least recently used entries past its size", () => {
  const lru = new Lru<string, number>(2);
  lru.set("a", 1);
  lru.set("b", 2);
  expect(lru.get("a")).toBe(1); // a is now the most recent
  lru.set("c", 3);
  expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([1, undefined, 3]);
});

it("bounds the total weight when given one, and counts a replaced value once", () => {
  const lru = new Lru<string, string>(10, (v) => v.length);
  lru.set("a", "xxxx");
  lru.set("a", "xxxx");
  lru.set("b", "yyyy");
  expect([lru.get("a"), lru.get("b")]).toEqual(["xxxx", "yyyy"]);
  lru.set("c", "zzzz"); // 12 > 10: the oldest (a) goes
  expect([lru.get("a"), lru.get("b"), lru.get("c")]).toEqual([undefined, "yyyy", "zzzz"]);
  lru.set("d", "w".repeat(11)); // heavier than the limit on its own: everything goes, itself too
  expect([lru.get("b"), lru.get("c"), lru.get("d")]).toEqual([undefined, undefined, undefined]);
});
