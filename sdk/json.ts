// JSON that someone else wrote: policy output, registries, request bodies. It is parsed so that
// `__proto__` and `constructor.prototype` keys are refused rather than trusted (a naive merge
// of such a value rewrites a prototype), and its nesting can be measured before it is parsed
// (JSON.stringify and structured cloning recurse on the stack). And a canonical text of a value,
// for hashes that must not depend on key order.
import sjson from "secure-json-parse";

/** Parses untrusted JSON; throws on a `__proto__` or `constructor.prototype` key. */
export function parseUntrusted(text: string): unknown {
  return sjson.parse(text, undefined, { protoAction: "error", constructorAction: "error" });
}

/** True when the JSON text nests objects and arrays deeper than `max`. One pass, no parsing. */
export function nestsDeeperThan(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * JSON with keys sorted at every level (and undefined members left out, as JSON drops them), so
 * that two values that differ only in key order have one text: for fingerprints and call keys.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
