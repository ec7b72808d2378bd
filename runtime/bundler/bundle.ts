// Turns an upload (one source, or files + entry) into one script for the isolate. The
// upload is a closed world: every import must name a file inside it. Node built-ins, packages
// and paths outside the upload are errors, so nothing the tenant did not send can run.
import { createHash } from "node:crypto";
import path from "node:path/posix";
import type * as esbuild from "esbuild";
import type { Diagnostic } from "../../sdk/index.ts";
import { Lru } from "../lru.ts";
import { build as esbuildBuild, BundlerCrashed } from "./esbuild-service.ts";
import { MAX_SOURCE_NESTING, tooDeep } from "./nesting.ts";

/** Name of the global the iife bundle assigns its exports to; read once by the wrapper. */
export const EXPORTS_GLOBAL = "__palisade_exports";

export type SourceInput = { source: string } | { files: Record<string, string>; entry: string };

export interface Bundle {
  code: string;
  /** The esbuild source map of `code`, as JSON. */
  map: string;
  sha256: string;
  bundle_bytes: number;
  /** The upload's files that went into the bundle; those not imported are left out of what is kept. */
  used_files: string[];
}

export type BundleResult =
  | ({ ok: true } & Bundle)
  | { ok: false; reason: "invalid" | "source_too_large" | "bundle_too_large" | "compile"; errors: Diagnostic[] };

const NAMESPACE = "upload";
const LOADERS: Record<string, esbuild.Loader> = {
  ".ts": "ts", ".mts": "ts", ".cts": "ts", ".js": "js", ".mjs": "js", ".cjs": "js", ".json": "json",
};
const RESOLVE_SUFFIXES = ["", ".ts", ".mts", ".js", ".mjs", ".json", "/index.ts", "/index.js"];
/** Most files an upload may hold, and the longest path among them. */
export const MAX_UPLOAD_FILES = 500;
export const MAX_PATH_LENGTH = 256;

/** The file name a single-source upload is given in diagnostics: `myorg.policies` → `myorg/policies.ts`. */
export function sourceFileName(module: string): string {
  return `${module.replaceAll(".", "/")}.ts`;
}

/** Normalises an upload path; null when it is absolute or climbs out of the upload. */
function cleanPath(p: string): string | null {
  const normal = path.normalize(p.replaceAll("\\", "/"));
  if (normal.startsWith("/") || normal === ".." || normal.startsWith("../") || normal === ".") return null;
  return normal;
}

type Prepared = { files: Map<string, string>; entry: string; names: Map<string, string> };

/** The upload as files by clean path; `names` maps each clean path back to the name it was sent as. */
function toFiles(module: string, input: SourceInput): Prepared | Diagnostic[] | { tooMany: string } {
  if ("source" in input) return { files: new Map([[sourceFileName(module), input.source]]), entry: sourceFileName(module), names: new Map() };
  const files = new Map<string, string>();
  const names = new Map<string, string>();
  const count = Object.keys(input.files).length;
  if (count > MAX_UPLOAD_FILES) return { tooMany: `the upload has ${count} files; at most ${MAX_UPLOAD_FILES} are allowed` };
  const errors: Diagnostic[] = [];
  for (const [name, text] of Object.entries(input.files)) {
    const clean = cleanPath(name);
    if (name.length > MAX_PATH_LENGTH) errors.push({ message: `file path "${name.slice(0, 80)}…" is ${name.length} characters; at most ${MAX_PATH_LENGTH} are allowed` });
    else if (clean === null) errors.push({ message: `file path "${name}" must be relative and stay inside the upload` });
    else if (!LOADERS[path.extname(clean)]) errors.push({ message: `file "${name}" has an unsupported extension (use .ts, .js, .mjs or .json)` });
    else {
      files.set(clean, text);
      names.set(clean, name);
    }
  }
  const entry = cleanPath(input.entry);
  if (entry === null || !files.has(entry)) errors.push({ message: `entry "${input.entry}" is not one of the uploaded files` });
  return errors.length ? errors : { files, entry: entry!, names };
}

function closedWorld(files: Map<string, string>): esbuild.Plugin {
  return {
    name: "palisade-upload",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        // esbuild writes an entry that exists on disk (relative to this process's cwd) as
        // "./x"; the upload's own name for it is what counts.
        if (args.kind === "entry-point") return { path: cleanPath(args.path) ?? args.path, namespace: NAMESPACE };
        if (!args.path.startsWith("./") && !args.path.startsWith("../")) {
          return {
            errors: [{
              text: `Cannot import "${args.path}": policies run in a sandbox without Node built-ins or packages; import only files of the upload (paths starting with ./ or ../)`,
            }],
          };
        }
        const base = cleanPath(path.join(path.dirname(args.importer), args.path));
        const found = base === null ? undefined : RESOLVE_SUFFIXES.map((s) => base + s).find((p) => files.has(p));
        if (found === undefined) return { errors: [{ text: `Cannot import "${args.path}": no such file in the upload` }] };
        return { path: found, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const contents = files.get(args.path);
        if (contents === undefined) return { errors: [{ text: `no such file in the upload: ${args.path}` }] };
        return { contents, loader: LOADERS[path.extname(args.path)]! };
      });
    },
  };
}

/** esbuild columns are 0-based byte offsets; authors read 1-based character columns. */
export function toDiagnostic(message: esbuild.Message): Diagnostic {
  const loc = message.location;
  if (!loc) return { message: message.text };
  const column = Buffer.from(loc.lineText).subarray(0, loc.column).toString("utf8").length + 1;
  return { file: loc.file.replace(/^upload:/, ""), line: loc.line, column, lineText: loc.lineText, message: message.text };
}

// Recent bundles by input, so that the same upload for many tenants (a shared library, a
// restart reloading every tenant) is bundled once. Bounded by bytes: authors choose the sizes.
const recent = new Lru<string, Bundle>(64 << 20, (b) => b.code.length + b.map.length);

/**
 * Bundles an upload. A compile failure is a result with diagnostics, never a throw. `scope`
 * keeps the cache of recent bundles apart: a tenant id, or "" for public code (the builtins).
 */
export async function bundle(module: string, input: SourceInput, maxBundleBytes: number, scope: string): Promise<BundleResult> {
  const prepared = toFiles(module, input);
  if (Array.isArray(prepared)) return { ok: false, reason: "invalid", errors: prepared };
  if ("tooMany" in prepared) return { ok: false, reason: "source_too_large", errors: [{ message: prepared.tooMany }] };
  // esbuild's own work grows with the input, so oversized uploads are refused before it
  // starts. Names count too: an upload of many files that nothing imports is still work.
  let sourceBytes = 0;
  for (const [name, text] of prepared.files) sourceBytes += Buffer.byteLength(name) + Buffer.byteLength(text);
  if (sourceBytes > maxBundleBytes * 4) {
    return { ok: false, reason: "source_too_large", errors: [{ message: `sources are ${sourceBytes} bytes with their names; the limit is ${maxBundleBytes * 4} (4 × max_bundle_bytes)` }] };
  }
  for (const [name, text] of prepared.files) {
    const at = tooDeep(text);
    if (at) return { ok: false, reason: "compile", errors: [{ file: name, ...at, message: `nests brackets deeper than ${MAX_SOURCE_NESTING} levels` }] };
  }
  const key = createHash("sha256").update(JSON.stringify([scope, module, prepared.entry, [...prepared.files]])).digest("hex");
  const built = recent.get(key) ?? (await build(prepared));
  if (!("code" in built)) return built;
  if (built.bundle_bytes > maxBundleBytes) {
    return { ok: false, reason: "bundle_too_large", errors: [{ message: `bundle is ${built.bundle_bytes} bytes; max_bundle_bytes is ${maxBundleBytes}` }] };
  }
  recent.set(key, built);
  return { ok: true, ...built };
}

async function build(prepared: Prepared): Promise<Bundle | Extract<BundleResult, { ok: false }>> {
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuildBuild({
      entryPoints: [prepared.entry],
      outfile: "bundle.js",
      bundle: true,
      write: false,
      platform: "neutral",
      format: "iife",
      globalName: EXPORTS_GLOBAL,
      target: "es2023",
      sourcemap: "external",
      sourcesContent: false,
      legalComments: "none",
      charset: "utf8",
      logLevel: "silent",
      metafile: true,
      plugins: [closedWorld(prepared.files)],
    });
  } catch (e) {
    if (e instanceof BundlerCrashed) return { ok: false, reason: "compile", errors: [{ message: `${e.message}; simplify the upload` }] };
    const failure = e as esbuild.BuildFailure;
    if (!Array.isArray(failure.errors)) throw e;
    return { ok: false, reason: "compile", errors: failure.errors.map(toDiagnostic) };
  }
  const code = result.outputFiles.find((f) => f.path.endsWith(".js"))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"))!.text;
  const used = Object.keys(result.metafile.inputs).map((input) => input.replace(/^upload:/, "")).map((clean) => prepared.names.get(clean) ?? clean);
  return { code, map, sha256: createHash("sha256").update(code).digest("hex"), bundle_bytes: Buffer.byteLength(code), used_files: used };
}
