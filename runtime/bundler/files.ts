// Reads an upload from disk: the entry file and every source file under a root folder, so
// the entry may import its neighbours. Used by the CLI, the test harness and the host's
// config modules; the bundler still refuses anything outside what was read.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PalisadeError } from "../../sdk/index.ts";
import { MAX_UPLOAD_FILES } from "./bundle.ts";

const SOURCE_EXTENSIONS = /\.(ts|mts|js|mjs|json)$/;

/** Every source file under `root` (not in node_modules), by path relative to it. */
export function readSourceTree(root: string): Record<string, string> {
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join("/"))
      .filter((f) => SOURCE_EXTENSIONS.test(f) && !f.split("/").includes("node_modules"));
  } catch (e) {
    throw new PalisadeError("PAL_SOURCE_INVALID", `cannot read ${root}: ${(e as Error).message}`);
  }
  if (names.length > MAX_UPLOAD_FILES) {
    throw new PalisadeError("PAL_SOURCE_INVALID", `${root} holds over ${MAX_UPLOAD_FILES} source files; point at the folder of the policies`);
  }
  return Object.fromEntries(names.map((f) => [f, readFileSync(path.join(root, f), "utf8")]));
}

/** The upload for an entry file: its folder (or `root`) and the entry's path inside it. */
export function readUpload(entryPath: string, root = path.dirname(entryPath)): { files: Record<string, string>; entry: string } {
  const entry = path.relative(root, entryPath).split(path.sep).join("/");
  if (entry.startsWith("../")) throw new PalisadeError("PAL_SOURCE_INVALID", `${entryPath} is not inside ${root}`);
  const files = readSourceTree(root);
  if (!(entry in files)) throw new PalisadeError("PAL_SOURCE_INVALID", `cannot read ${entryPath}: no such source file (.ts, .js, .mjs or .json)`);
  return { files, entry };
}

/** The module name a source's POLICY_REGISTRY uses: the handlers' common `<module>.` prefix. */
export function moduleNameFrom(source: string): string | undefined {
  const handler = /handler\s*:\s*["'`]([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\.[A-Za-z_$][\w$]*["'`]/.exec(source);
  return handler?.[1];
}
