// File paths in tool arguments: which arguments are paths, and where a path really points
// once `~`, `.`, `..`, repeated and trailing slashes are resolved. Purely lexical: symlinks
// on the agent's machine are invisible from here.
import { stringsIn } from "./walk.ts";

/** Tools that change files, by name (globs for compileGlobs): used by `write_only`. */
export const WRITE_TOOL_GLOBS = [
  "*write*", "*edit*", "*create*", "*delete*", "*remove*", "*move*", "*rename*", "*copy*", "*mkdir*", "*rmdir*", "*unlink*",
  "*save*", "*append*", "*patch*", "*replace*", "*insert*", "*upload*", "*download*", "*touch*", "*chmod*", "*chown*",
  "*truncate*", "*extract*", "*unzip*", "put_*", "*_put",
];

// Keys whose string values are always paths, and keys whose values are paths only when they
// look like one (`"source": "print(1)"` is code, `"target": "prod"` a name).
const PATH_KEYS = new Set([
  "path", "paths", "file", "files", "filepath", "file_path", "filepaths", "file_paths", "filename", "file_name", "filenames",
  "file_names", "dir", "dirs", "directory", "directories", "cwd", "workdir", "working_dir", "working_directory", "folder", "folders",
]);
const PATH_SUFFIX = /_(?:path|paths|file|files|filename|dir|dirs|directory|folder)$/;
const MAYBE_PATH_KEYS = new Set(["source", "target", "destination", "dest", "src", "sources", "targets"]);
// `dir/file.txt`: names of letters, digits, spaces and . _ - + @ ~, joined by slashes.
const RELATIVE_PATH = /^[\p{L}\p{N}_.+@~-][\p{L}\p{N}_.+@~ -]*(?:\/[\p{L}\p{N}_.+@~ -]*)+$/u;
/** Top-level arguments that give the directory relative paths resolve against. */
export const CWD_KEYS = ["cwd", "workdir", "working_dir", "working_directory"];

const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/-/g, "_");

/** The path-like string values in tool arguments, at any depth, with their JSON path;
 *  `complete` is false when the arguments were too large or deep to read all of them. */
export function pathArguments(args: unknown): { paths: { at: string; value: string }[]; complete: boolean } {
  const found: { at: string; value: string }[] = [];
  const { strings, complete } = stringsIn(args);
  for (const { path, text, key, isKey } of strings) {
    if (isKey || text === "") continue;
    const name = snake(key);
    const strong = PATH_KEYS.has(name) || PATH_SUFFIX.test(name);
    const looksLikePath = /^(?:[/~]|\.{1,2}(?:\/|$)|file:)/i.test(text) || RELATIVE_PATH.test(text);
    if (strong || (MAYBE_PATH_KEYS.has(name) && looksLikePath)) found.push({ at: path, value: text });
  }
  return { paths: found, complete };
}

/** An absolute path with `.`, `..`, repeated and trailing slashes resolved (`..` stops at `/`). */
export function normalizePath(absolute: string): string {
  const parts: string[] = [];
  for (const part of absolute.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

export type Resolution = { path: string } | { undecidable: string } | { outside: string };

// A path segment that is a drive letter (`C:`, `c:temp`), anywhere in the path, or a backslash.
const isWindows = (p: string) => p.includes("\\") || /(?:^|\/)[A-Za-z]:/.test(p);
const WINDOWS = { outside: "a Windows path (a drive letter or backslashes)" };

/**
 * Where `value` points: `~` is `home`, relative paths join `cwd` (an absolute, resolved path),
 * `file://` URLs are read as paths. Other URLs are relative paths, as a file tool takes them
 * (`a://../../etc` from /data/p is /etc). Outside every root when it is a Windows path (a
 * drive letter, backslashes). Undecidable when that needs something unknown (a relative path
 * with no cwd, `~user`) or the OS's rules (control characters).
 */
export function resolvePath(value: string, home: string, cwd?: string): Resolution {
  // A drive or backslash in the value as written (`file://C:/x`) as well as once decoded.
  if (isWindows(value)) return WINDOWS;
  let p = value;
  if (/^file:/i.test(p)) {
    const rest = /^file:\/\/(?:localhost)?(\/[^?#]*)/i.exec(p)?.[1];
    if (rest === undefined) return { undecidable: "a file: URL without an absolute path" };
    try {
      p = decodeURIComponent(rest);
    } catch {
      return { undecidable: "a file: URL with invalid percent-encoding" };
    }
  }
  if (/[\u0000-\u001f\u007f]/.test(p)) return { undecidable: "control characters in a path" };
  // A drive (`C:/Windows`, `c:\temp`, `a/../C:/x`) or a backslash (`..\etc\passwd`) is a
  // Windows path: a tool on Windows reads it against its own roots, outside every POSIX one.
  if (isWindows(p)) return WINDOWS;
  if (p === "~" || p.startsWith("~/")) return { path: normalizePath(`${home}/${p.slice(1)}`) };
  if (p.startsWith("~")) return { undecidable: "another user's home directory (~user)" };
  if (p.startsWith("/")) return { path: normalizePath(p) };
  if (cwd === undefined) return { undecidable: "a relative path and no working directory" };
  return { path: normalizePath(`${cwd}/${p}`) };
}

/** True when `path` is `root` or below it (`/data/x` is in `/data`; `/database` is not). */
export function isInside(path: string, root: string): boolean {
  return root === "/" || path === root || path.startsWith(`${root}/`);
}
