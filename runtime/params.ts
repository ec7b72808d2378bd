// Compiles a tenant's `params_schema` and checks binding params against it. This runs in the
// caller's process, on a schema and params that the tenant wrote, so it must not be a way to
// stall that process:
// - every `pattern` is compiled for V8's linear-time regexp engine (the `l` flag), so no
//   pattern can backtrack catastrophically; patterns that need backtracking (back-references,
//   lookaround) are refused when the module loads;
// - schemas are compiled with `addUsedSchema: false`, so one tenant's `$id`s are never
//   registered where another tenant's schema could refer to them, and ajv's own cache is
//   emptied after each compile; compiled validators live in a bounded cache keyed by the
//   schema's JSON (identical schemas share one, which is safe: validators are pure);
// - the schema's own complexity is bounded before it is compiled (schema-complexity.ts): no
//   recursion, and a bounded weight with every `$ref` expanded;
// - string formats (email, url, …) refuse strings over MAX_FORMAT_LENGTH before their
//   regexps run, and use the linear-time engine where the regexp allows it;
// - params are size-capped before ajv sees them.
import v8 from "node:v8";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsPlugin from "ajv-formats";
import { Lru } from "./lru.ts";
import { schemaComplexityError } from "./schema-complexity.ts";
import { toIssues, type Issue } from "./validate.ts";

// Only regexps that ask for the linear engine use it; everything else in V8 is unchanged.
v8.setFlagsFromString("--enable-experimental-regexp-engine");

/** Largest params object accepted for a binding, in bytes of JSON. */
export const MAX_PARAMS_BYTES = 64 * 1024;

const linearRegExp = Object.assign((pattern: string, flags: string) => new RegExp(pattern, `${flags}l`), {
  code: "linearRegExp",
});

// ajv-formats is CommonJS with `exports.default`; under Node's ESM interop the function is
// one level down, and its typings do not say so.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsPlugin as unknown as { default?: AddFormats }).default ?? addFormatsPlugin) as AddFormats;

/** Longest string a `format` is checked on; longer ones fail it. No real email or URL is this long. */
export const MAX_FORMAT_LENGTH = 4096;

type FormatCheck = RegExp | ((value: string) => boolean) | true | string;
type FormatDefinition = { validate: FormatCheck; compare?: unknown; type?: string; async?: boolean };

// Each string format, bounded: a regexp gets the linear engine when it can (no lookaround or
// back-references), and every check refuses overlong strings before it runs.
function boundFormats(instance: Ajv): Ajv {
  const formats = (instance as unknown as { formats: Record<string, FormatCheck | FormatDefinition> }).formats;
  for (const [name, format] of Object.entries(formats)) {
    const entry: FormatDefinition = typeof format === "object" && !(format instanceof RegExp) ? format : { validate: format };
    if (entry.async || (entry.type !== undefined && entry.type !== "string")) continue;
    let check = entry.validate;
    if (check instanceof RegExp) {
      try {
        check = new RegExp(check.source, `${check.flags}l`);
      } catch {
        // needs backtracking: bounded by the length check alone
      }
    }
    if (typeof check !== "function" && !(check instanceof RegExp)) continue;
    const test = check instanceof RegExp ? (s: string) => (check as RegExp).test(s) : check;
    instance.addFormat(name, { ...entry, type: "string", validate: (s: string) => s.length <= MAX_FORMAT_LENGTH && test(s) } as never);
  }
  return instance;
}

let ajv: Ajv | undefined;
const compiled = new Lru<string, ValidateFunction>(2000);

/** Compiles a params_schema; throws with ajv's message when it does not compile. */
export function compileParamsSchema(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate) return validate;
  const tooComplex = schemaComplexityError(schema);
  if (tooComplex) throw new Error(tooComplex);
  ajv ??= boundFormats(addFormats(new Ajv({
    allErrors: true, strict: true, useDefaults: true, addUsedSchema: false, unicodeRegExp: false, code: { regExp: linearRegExp },
  })));
  try {
    validate = ajv.compile(schema);
  } finally {
    ajv.removeSchema(schema);
  }
  compiled.set(key, validate);
  return validate;
}

export type ParamsCheck = { ok: true; json: string } | { ok: false; issues: Issue[] };

/**
 * Validates params against a compiled schema, filling in its defaults. Without a schema any
 * object is accepted as is.
 */
export function checkParams(validate: ValidateFunction | undefined, params: Record<string, unknown>): ParamsCheck {
  const json = JSON.stringify(params);
  if (Buffer.byteLength(json) > MAX_PARAMS_BYTES) {
    return { ok: false, issues: [{ instancePath: "", message: `must be at most ${MAX_PARAMS_BYTES} bytes of JSON` }] };
  }
  if (!validate) return { ok: true, json };
  const copy = JSON.parse(json) as Record<string, unknown>;
  if (!validate(copy)) return { ok: false, issues: toIssues(validate.errors) };
  return { ok: true, json: JSON.stringify(copy) };
}
