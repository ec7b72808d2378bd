// What the shell and GitHub policies share: which tools are shells, how to read the command
// out of a shell tool's arguments, and small readers over a parsed command's argv.
import { globListSchema } from "./glob.ts";
import { MAX_SCRIPT, parseShell, type ShellParse, type SimpleCommand } from "./shell/index.ts";

export const DEFAULT_SHELL_TOOLS = [
  "bash", "bash_*", "*_bash", "sh", "zsh", "shell", "shell_*", "*_shell", "terminal", "terminal_*", "*_terminal",
  "exec", "exec_command", "run_command", "execute_command", "run_shell_command", "run_terminal_cmd", "run_in_terminal", "local_shell",
];

export const SHELL_TOOLS_PARAM = globListSchema(
  "Names (or glob patterns, * and ?, case-insensitive) of the tools that run shell commands. The command is read from the " +
    "arguments `command`, `cmd`, `script` (a string, or an array of strings: an argv), `commands` (a string or an array, each a " +
    "script or an argv), and `args`/`argv` (a string or an array of strings: appended to `command`/`cmd` when one is given, else " +
    "the whole command). An argument of any other shape cannot be checked.",
  { default: DEFAULT_SHELL_TOOLS, minItems: 1 },
);

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * The scripts a shell tool call would run. An argv array is read two ways, as exec would run
 * it (each element one word) and as a tool that joins it with spaces for a shell would, so
 * both meanings are checked. `tooLong` when they add up to more than a parse may take;
 * `unreadable` names an argument of a shape no tool can be assumed to ignore.
 */
export function commandScripts(args: Record<string, unknown> | undefined): { scripts: string[]; tooLong: boolean; unreadable: string | null } {
  const a = args ?? {};
  const scripts: string[] = [];
  let unreadable: string | null = null;
  // A string is shell text; an array of strings is an argv (read both ways).
  const add = (v: string | string[], prefix = "") => {
    if (typeof v === "string") scripts.push(prefix + v);
    else scripts.push(prefix + v.map(quote).join(" "), prefix + v.join(" "));
  };
  const read = (key: string): string | string[] | undefined => {
    const v = a[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string" || strings(v)) return v;
    unreadable ??= key;
    return undefined;
  };
  const heads = ["command", "cmd"].map(read).filter((v) => v !== undefined);
  const tails = ["args", "argv"].map(read).filter((v) => v !== undefined);
  const script = read("script");
  if (script !== undefined) add(script);
  const [head] = heads;
  if (head === undefined || heads.length > 1 || tails.length === 0) for (const v of [...heads, ...tails]) add(v);
  else for (const tail of tails) {
    if (typeof head === "string") add(tail, `${head} `);
    else if (typeof tail === "string") scripts.push(`${head.map(quote).join(" ")} ${tail}`, `${head.join(" ")} ${tail}`);
    else add([...head, ...tail]);
  }
  const commands = a.commands;
  if (typeof commands === "string") scripts.push(commands);
  else if (Array.isArray(commands)) for (const c of commands) {
    if (typeof c === "string" || strings(c)) add(c);
    else unreadable ??= "commands";
  } else if (commands !== undefined && commands !== null) unreadable ??= "commands";
  const total = scripts.reduce((n, s) => n + s.length, 0);
  return { scripts: total > 2 * MAX_SCRIPT ? [] : scripts, tooLong: total > 2 * MAX_SCRIPT || scripts.some((s) => s.length > MAX_SCRIPT), unreadable };
}

/**
 * The parsed scripts of a shell tool call, or the reason there is nothing a policy can judge
 * (no command among the arguments, an argument of an unknown shape, or too much of it to
 * parse within the time limit).
 */
export function shellParses(args: Record<string, unknown> | undefined): { parses: ShellParse[]; problem: string | null } {
  const { scripts, tooLong, unreadable } = commandScripts(args);
  if (unreadable !== null) return { parses: [], problem: `The tool argument \`${unreadable}\` is neither a string nor an array of strings; cannot tell what runs.` };
  if (tooLong) return { parses: [], problem: `The command is longer than ${MAX_SCRIPT} characters; too long to check.` };
  if (scripts.length === 0) return { parses: [], problem: "No command found in the tool arguments (command, cmd, script, commands, args)." };
  return { parses: scripts.map(parseShell), problem: null };
}

/**
 * Walks the commands of a parse for a shell policy: `seen` for each command it can read,
 * `unseen` with the reason for each it cannot (a dynamic command, passed along) and for a
 * parse that stopped part-way. A policy must not ALLOW what comes to `unseen`.
 */
export function visitCommands(parse: ShellParse, seen: (c: SimpleCommand) => void, unseen: (reason: string, c?: SimpleCommand) => void): void {
  for (const c of parse.commands) {
    if (c.dynamic) unseen(`Cannot tell what \`${shown(c.argv)}\` runs.`, c);
    else seen(c);
  }
  if (parse.error) unseen(`Could not fully parse the command (${parse.error}).`);
}

/** Operands of argv (argv[0] is the command): words that are not options or option values. */
export function operands(argv: readonly string[], withValue: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") return [...out, ...argv.slice(i + 1)];
    if (t.startsWith("-") && t.length > 1) {
      if (withValue.includes(t)) i++;
    } else out.push(t);
  }
  return out;
}

/** True when a short-option cluster or a long option in argv sets one of `short` letters / `long` names. */
export function hasFlag(argv: readonly string[], short: string, long: readonly string[] = []): boolean {
  for (const t of argv.slice(1)) {
    if (t === "--") return false;
    if (t.startsWith("--")) {
      const name = t.split("=")[0]!;
      if (long.includes(name)) return true;
    } else if (t.startsWith("-") && t.length > 1 && [...t.slice(1)].some((c) => short.includes(c))) return true;
  }
  return false;
}

const GIT_VALUE_OPTIONS = ["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env", "--exec-path"];

/**
 * `git [global options] <sub> <args…>` → { sub, args } (args without the subcommand). An alias
 * given on the command line (`git -c alias.p='push -f' p`) is expanded; `!shell` aliases are
 * parsed as commands by lib/shell/ instead.
 */
export function gitCommand(argv: readonly string[]): { sub: string; args: string[] } {
  let i = 1;
  const aliases = new Map<string, string>();
  while (i < argv.length && argv[i]!.startsWith("-")) {
    const m = argv[i] === "-c" ? /^alias\.([^=]+)=([^!].*)$/is.exec(argv[i + 1] ?? "") : null;
    if (m) aliases.set(m[1]!.toLowerCase(), m[2]!);
    i += GIT_VALUE_OPTIONS.includes(argv[i]!) ? 2 : 1;
  }
  const sub = argv[i] ?? "";
  const alias = aliases.get(sub.toLowerCase());
  if (alias !== undefined) {
    const [aliasSub = "", ...aliasArgs] = alias.trim().split(/\s+/);
    return { sub: aliasSub, args: [...aliasArgs, ...argv.slice(i + 1)] };
  }
  return { sub, args: argv.slice(i + 1) };
}

// git's own subcommands by what they do to the local repository: reads, writes, and those that
// depend on their arguments (true when the call writes). Any other subcommand is an alias or a
// git-* program on the PATH: nobody can tell what it does.
export const GIT_READ = new Set([
  "status", "log", "diff", "show", "blame", "annotate", "grep", "ls-files", "ls-tree", "ls-remote", "rev-parse", "rev-list", "describe",
  "shortlog", "cat-file", "whatchanged", "name-rev", "merge-base", "for-each-ref", "show-ref", "show-branch", "count-objects",
  "check-ignore", "check-attr", "check-mailmap", "check-ref-format", "var", "version", "help", "diff-tree", "diff-files", "diff-index",
  "cherry", "range-diff", "verify-commit", "verify-tag", "verify-pack", "fsck", "get-tar-commit-id", "request-pull", "column", "",
]);
export const GIT_WRITE = new Set([
  "add", "commit", "push", "pull", "merge", "rebase", "reset", "checkout", "switch", "restore", "rm", "mv", "clean", "cherry-pick",
  "revert", "am", "apply", "init", "clone", "gc", "prune", "repack", "filter-branch", "filter-repo", "replace", "update-ref",
  "update-index", "commit-tree", "format-patch", "mergetool", "stage", "maintenance", "rerere", "write-tree", "read-tree", "hash-object",
  "mktag", "mktree", "pack-refs", "prune-packed", "send-email", "fast-import", "bundle", "difftool", "citool", "gui", "svn", "p4",
]);
const subOf = (args: string[]) => operands(["git", ...args])[0];
export const GIT_SOMETIMES: Record<string, (args: string[]) => boolean> = {
  branch: (a) =>
    hasFlag(["b", ...a], "dDmMcCfut", ["--delete", "--move", "--copy", "--force", "--set-upstream-to", "--unset-upstream", "--edit-description", "--track"]) ||
    (operands(["b", ...a]).length > 0 && !hasFlag(["b", ...a], "lar", ["--list", "--contains", "--no-contains", "--merged", "--no-merged", "--points-at", "--all", "--remotes", "--show-current"])),
  tag: (a) =>
    hasFlag(["t", ...a], "dafsmuF", ["--delete", "--annotate", "--force", "--sign", "--message", "--file", "--local-user"]) ||
    (operands(["t", ...a]).length > 0 && !hasFlag(["t", ...a], "ln", ["--list", "--contains", "--no-contains", "--points-at", "--merged", "--no-merged"])),
  remote: (a) => { const s = subOf(a); return s !== undefined && s !== "show" && s !== "get-url"; },
  config: (a) => {
    const argv = ["c", ...a];
    const s = operands(argv, ["-f", "--file", "--blob", "--type", "--default"]);
    if (hasFlag(argv, "l", ["--get", "--get-all", "--get-regexp", "--list", "--get-urlmatch", "--get-color", "--get-colorbool"]) || s[0] === "get" || s[0] === "list") return false;
    return hasFlag(argv, "e", ["--unset", "--unset-all", "--add", "--replace-all", "--edit", "--rename-section", "--remove-section"]) || ["set", "unset", "edit", "rename-section", "remove-section"].includes(s[0] ?? "") || s.length >= 2;
  },
  stash: (a) => !["list", "show"].includes(subOf(a) ?? ""),
  reflog: (a) => !["show", "exists", undefined].includes(subOf(a)),
  worktree: (a) => subOf(a) !== "list",
  submodule: (a) => !["status", "summary"].includes(subOf(a) ?? ""),
  notes: (a) => !["list", "show", undefined].includes(subOf(a)),
  fetch: (a) => operands(["f", ...a]).some((o) => o.includes(":")),
  lfs: (a) => !["ls-files", "status", "env", "version", "logs"].includes(subOf(a) ?? ""),
  "sparse-checkout": (a) => subOf(a) !== "list",
  bisect: (a) => !["log", "visualize", "view"].includes(subOf(a) ?? ""),
  "symbolic-ref": (a) => a.includes("-d") || a.includes("--delete") || operands(["s", ...a]).length >= 2,
  archive: (a) => hasFlag(["a", ...a], "o", ["--output"]),
};
/** Is `sub` one of git's own subcommands (not an alias)? */
export const gitKnows = (sub: string) => GIT_READ.has(sub) || GIT_WRITE.has(sub) || Object.hasOwn(GIT_SOMETIMES, sub);

/** `owner/repo` from a URL (`https://github.com/o/r/pull/1`), an scp-style remote or an `owner/repo` string; else null. */
export function repoFrom(value: string): string | null {
  const v = value.trim();
  if (v.length > 500) return null;
  const m =
    /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]+@)?[^/]+\/([^/\s]+)\/([^/?#\s]+?)(?:\.git)?(?:[/?#].*)?$/i.exec(v) ??
    /^[^@/\s]+@[^:/\s]+:([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(v) ??
    /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?$/.exec(v);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** Is this a URL or scp-style remote (as opposed to a remote's name like `origin`)? */
export const isRemoteUrl = (value: string) => /^[a-z][a-z0-9+.-]*:\/\/|^[^@/\s]+@[^:/\s]+:/i.test(value);

/** Worst of several findings; reasons of the worst level, deduplicated and capped. */
export function worst<L extends string>(findings: { level: L; reason: string }[], order: readonly L[]): { level: L; reason: string } | null {
  for (const level of order) {
    const reasons = [...new Set(findings.filter((f) => f.level === level).map((f) => f.reason))];
    if (reasons.length > 0) return { level, reason: reasons.slice(0, 3).join(" ") + (reasons.length > 3 ? ` (+${reasons.length - 3} more)` : "") };
  }
  return null;
}

/** A command shortened for a reason string. */
export const shown = (argv: readonly string[]) => {
  const s = argv.join(" ");
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** gh subcommands that only read GitHub (`gh pr view`, `gh run watch`, `gh release download`). */
export const GH_READS = new Set(["view", "list", "ls", "status", "diff", "checks", "watch", "download", "verify"]);

/** `gh api …`: the HTTP method (as gh picks it), the endpoint and the -f/-F fields. */
export function ghApi(argv: readonly string[]): { method: string; endpoint: string; fields: string[] } {
  let method: string | null = null;
  let endpoint = "";
  let body = false;
  const fields: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "-X" || t === "--method") method = argv[++i] ?? "";
    else if (t.startsWith("--method=")) method = t.slice(9);
    else if (/^-X./.test(t)) method = t.slice(2);
    else if (t === "-f" || t === "-F" || t === "--field" || t === "--raw-field") fields.push(argv[++i] ?? "");
    else if (t.startsWith("--field=") || t.startsWith("--raw-field=")) fields.push(t.slice(t.indexOf("=") + 1));
    else if (/^-[fF]./.test(t)) fields.push(t.slice(2));
    else if (t === "--input") { body = true; i++; }
    else if (["-H", "--header", "-q", "--jq", "-t", "--template", "--hostname", "--cache", "-p", "--preview"].includes(t)) i++;
    else if (!t.startsWith("-") && !endpoint) endpoint = t;
  }
  return { method: (method ?? (fields.length > 0 || body ? "POST" : "GET")).toUpperCase(), endpoint, fields };
}
