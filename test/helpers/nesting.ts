// Deeply nested values, for the depth limits of the builtins' walks over event data.
import { MAX_DEPTH } from "../../builtins/lib/walk.ts";

/** `leaf` inside `depth` levels of objects and arrays, alternately. */
export function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

/** `leaf` deeper than builtins/lib/walk.ts reads, wherever it is put in the arguments. */
export const tooDeep = (leaf: unknown): unknown => nested(MAX_DEPTH + 1, leaf);
