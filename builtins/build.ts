// Builds the builtin library into one script. Unlike tenant uploads, builtins are ours and
// may use vetted packages from node_modules (the CEL evaluator), so this bundle resolves them;
// the result is then loaded like any tenant module, through the closed-world bundler and into
// the same sandbox. No trusted fast path.
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

/** The module name of the builtins; tenants may not upload modules named `palisade.*`. */
export const BUILTINS_MODULE = "palisade.builtins";

// Same extension as this file: .ts in the repository, .js in the built package (dist/).
const ENTRY = fileURLToPath(new URL(`./index${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));
let built: Promise<string> | undefined;

/** The builtins as one self-contained script (built once per process). */
export function buildBuiltins(): Promise<string> {
  built ??= esbuild
    .build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      target: "es2023",
      legalComments: "none",
      logLevel: "silent",
    })
    .then((result) => result.outputFiles[0]!.text);
  built.catch(() => (built = undefined));
  return built;
}
