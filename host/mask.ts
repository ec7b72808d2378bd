// Masks fields of a logged event by JSON pointer (RFC 6901), so a tenant that stores payloads
// in its decision log can still keep secrets out of it.
export const MASK = "[MASKED]";

export function maskPointers(value: unknown, pointers: readonly string[]): unknown {
  if (!pointers.length) return value;
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  for (const pointer of pointers) {
    const path = pointer.split("/").slice(1).map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
    let node = copy as Record<string, unknown> | undefined;
    for (let i = 0; i < path.length - 1 && node && typeof node === "object"; i++) {
      node = Object.hasOwn(node, path[i]!) ? (node[path[i]!] as Record<string, unknown>) : undefined;
    }
    const last = path.at(-1)!;
    if (node && typeof node === "object" && Object.hasOwn(node, last)) node[last] = MASK;
  }
  return copy;
}
