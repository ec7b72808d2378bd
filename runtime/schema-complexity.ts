// Bounds the work a tenant's params_schema can make ajv do, before it is compiled. Validation
// runs in the host process on params that security teams and agents send, so a schema must not
// be a way to stall it: two `anyOf` branches that recurse through the same `$ref` cost 2^N steps
// on params nested N deep (10 s at N = 20), and a chain of `$ref`s that each use the next one
// twice costs 2^N without any recursion at all.
//
// So a params_schema may not recurse (no `$ref` cycle, no dynamic or recursive refs), may only
// refer within itself by JSON pointer, and is weighed with every `$ref` expanded: what ajv does
// for one value is bounded by that weight. `uniqueItems` compares every pair of items, so on
// arrays of objects it needs a `maxItems`.

/** The most JSON nodes a params_schema may hold with its `$ref`s expanded. */
export const MAX_SCHEMA_WEIGHT = 2000;
/** The longest array of non-scalar items `uniqueItems` may be asked to compare. */
export const MAX_UNIQUE_ITEMS = 1000;

const FORBIDDEN = ["$dynamicRef", "$recursiveRef", "$dynamicAnchor", "$recursiveAnchor", "$anchor"];
const SCALARS = new Set(["string", "number", "integer", "boolean", "null"]);

class TooComplex extends Error {}

/** Why the schema is too complex for a params_schema, or null when it is within bounds. */
export function schemaComplexityError(schema: unknown): string | null {
  const weights = new Map<string, number>();
  const visiting = new Set<string>();

  const follow = (ref: string, at: string): number => {
    if (ref !== "#" && !ref.startsWith("#/")) throw new TooComplex(`${at}: $ref "${ref}" must point inside the schema ("#/…")`);
    const cached = weights.get(ref);
    if (cached !== undefined) return cached;
    if (visiting.has(ref)) throw new TooComplex(`${at}: $ref "${ref}" is recursive; params schemas may not recurse`);
    const target = resolvePointer(schema, ref);
    if (target === undefined) throw new TooComplex(`${at}: $ref "${ref}" points at nothing`);
    visiting.add(ref);
    const weight = weigh(target, ref);
    visiting.delete(ref);
    weights.set(ref, weight);
    return weight;
  };

  const weigh = (node: unknown, at: string): number => {
    if (typeof node !== "object" || node === null) return 1;
    let weight = 1;
    if (Array.isArray(node)) {
      node.forEach((item, i) => (weight += weigh(item, `${at}/${i}`)));
    } else {
      const record = node as Record<string, unknown>;
      for (const key of FORBIDDEN) if (key in record) throw new TooComplex(`${at}: ${key} is not allowed in params schemas`);
      if ("$id" in record && at !== "#") throw new TooComplex(`${at}: $id is only allowed at the top of a params schema`);
      if (record.uniqueItems === true && !scalarItems(record.items) && !(typeof record.maxItems === "number" && record.maxItems <= MAX_UNIQUE_ITEMS)) {
        throw new TooComplex(`${at}: uniqueItems on items that are not strings, numbers or booleans needs maxItems of at most ${MAX_UNIQUE_ITEMS}`);
      }
      for (const [key, value] of Object.entries(record)) {
        weight += key === "$ref" && typeof value === "string" ? follow(value, `${at}/$ref`) : weigh(value, `${at}/${escape(key)}`);
      }
    }
    if (weight > MAX_SCHEMA_WEIGHT) throw new TooComplex(`it weighs over ${MAX_SCHEMA_WEIGHT} nodes with its $refs expanded; simplify it`);
    return weight;
  };

  try {
    weigh(schema, "#");
    return null;
  } catch (e) {
    if (e instanceof TooComplex) return `params_schema is too complex: ${e.message}`;
    throw e;
  }
}

function scalarItems(items: unknown): boolean {
  const type = (items as { type?: unknown } | undefined)?.type;
  const types = Array.isArray(type) ? type : [type];
  return types.length > 0 && types.every((t) => typeof t === "string" && SCALARS.has(t));
}

const escape = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

function resolvePointer(root: unknown, ref: string): unknown {
  if (ref === "#") return root;
  let node = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
