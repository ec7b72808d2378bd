// A policy that keeps file tools inside chosen directories.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { compileGlobs } from "./lib/glob.ts";
import { CWD_KEYS, isInside, normalizePath, pathArguments, resolvePath, WRITE_TOOL_GLOBS } from "./lib/paths.ts";
import { shorten } from "./lib/reasons.ts";

interface PathGuardParams {
  allowed_roots: string[];
  write_only?: boolean;
  home?: string;
  default_cwd?: string;
}

/**
 * DENY a tool call when a path argument (see lib/paths.ts for which keys count) resolves
 * outside every allowed root; DENY a Windows path (a drive letter or backslashes),
 * which no POSIX root holds; ASK when a path cannot be resolved safely (relative with no
 * working directory, `~user`, control characters); ALLOW when every path is
 * inside a root; abstain when the call has no path arguments (or, with `write_only`, when
 * the tool does not write). Only path-named arguments are checked, not paths mentioned in
 * free text such as shell commands. Arguments too large or deep to read fully are ASKed about.
 */
export function path_guard({ allowed_roots, write_only = false, home = "/home/agent", default_cwd }: PathGuardParams) {
  const homeDir = normalizePath(home);
  const roots = allowed_roots.map((r) => {
    const resolved = resolvePath(r, homeDir);
    if (!("path" in resolved)) throw new Error(`allowed_roots: "${r}" must be an absolute path or start with ~/`);
    return resolved.path;
  });
  const fallbackCwd = default_cwd === undefined ? undefined : normalizePath(default_cwd);
  const writes = compileGlobs(WRITE_TOOL_GLOBS);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call" || (write_only && !writes(event.data.name))) return null;
    const args = event.data.arguments;
    const cwdKey = CWD_KEYS.find((k) => typeof args[k] === "string");
    const cwdGiven = cwdKey === undefined ? undefined : resolvePath(args[cwdKey] as string, homeDir, fallbackCwd);
    const cwd = cwdGiven === undefined ? fallbackCwd : "path" in cwdGiven ? cwdGiven.path : undefined;
    let doubt: string | undefined;
    const { paths, complete } = pathArguments(args);
    if (!complete) doubt = "The arguments are too large or too deeply nested to check every path.";
    for (const { at, value } of paths) {
      const r = resolvePath(value, homeDir, cwd);
      if ("outside" in r) return { result: "DENY", reason: `Path ${shorten(value)} (${shorten(at)}) is ${r.outside}, outside the allowed directories.` };
      if ("undecidable" in r) doubt ??= `Cannot tell where ${shorten(at)} points: ${r.undecidable}.`;
      else if (!roots.some((root) => isInside(r.path, root))) {
        return { result: "DENY", reason: `Path ${shorten(r.path)} (${shorten(at)}) is outside the allowed directories.` };
      }
    }
    if (doubt) return { result: "ASK", reason: doubt };
    return paths.length > 0 ? { result: "ALLOW" } : null;
  };
}

const ABSOLUTE = { type: "string", minLength: 1, maxLength: 4096, pattern: "^/" };

export const PATH_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.path_guard", kind: "factory", name: "Path Guard",
    description:
      "Denies tool calls whose path arguments (path, file, file_path, filename, dir, directory, cwd, paths, files, *_path, *_file, *_dir, " +
      "and source/target/destination/dest/src when they look like paths) resolve outside the allowed directories after ~, . and .. are resolved. " +
      "Denies Windows paths (a drive letter such as C:/ or c:\\, anywhere in the path, or backslashes: ..\\etc), which are outside every POSIX root. " +
      "Asks when a path is relative and the call gives no cwd.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["allowed_roots"],
      properties: {
        allowed_roots: {
          type: "array", title: "Allowed directories", minItems: 1, maxItems: 100, uniqueItems: true,
          items: { type: "string", minLength: 1, maxLength: 4096, pattern: "^(?:/|~$|~/)" },
          examples: [["/data", "~/projects"]],
          description: "Absolute paths, or paths under the home directory (~/…). A path is inside a root when it is the root or below it: /database is not inside /data.",
        },
        write_only: {
          type: "boolean", title: "Only writing tools", default: false,
          description: `Check only tools that change files, by name: ${WRITE_TOOL_GLOBS.join(", ")}. Other tools are not checked.`,
        },
        home: { ...ABSOLUTE, title: "Home directory", default: "/home/agent", description: "The agent's home directory, which ~ stands for." },
        default_cwd: {
          ...ABSOLUTE, title: "Default working directory",
          description: "The directory relative paths resolve against when a call has no cwd argument. Without it, such calls are asked about.",
        },
      },
    },
  },
];
