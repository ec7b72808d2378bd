// git and gh as the shell and GitHub policies read them: git's subcommands and what they do to
// the local repository, and gh's read-only subcommands and `gh api` calls. (Where a remote
// points is for the GitHub policy: lib/github/remotes.ts.)
import { hasFlag, operands } from "./shell-call.ts";

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

/** `git push` arguments as git reads them, for every policy that judges a push. */
export interface Push {
  force: boolean; del: boolean; mirror: boolean; all: boolean; tags: boolean; prune: boolean; dry: boolean;
  /** The remote (`--repo=…` or the first operand), if any. */
  remote: string | undefined;
  /** The refspecs, `tag NAME` written as `refs/tags/NAME`. */
  refspecs: string[];
}

const PUSH_LONG = ["--force", "--force-with-lease", "--force-if-includes", "--delete", "--mirror", "--all", "--branches", "--tags", "--follow-tags", "--prune", "--dry-run", "--repo"];
const PUSH_VALUES = ["-o", "--push-option", "--receive-pack", "--exec", "--repo"];

// git takes any unambiguous prefix of a long option (`--mirr`, `--forc`); a prefix counts as
// every option it could stand for, so an ambiguous one (which git refuses) errs on the strict side.
const longNames = (t: string): string[] => {
  const eq = t.indexOf("=");
  const n = eq < 0 ? t : t.slice(0, eq);
  return n.length < 4 ? [] : PUSH_LONG.includes(n) ? [n] : PUSH_LONG.filter((name) => name.startsWith(n));
};

export function readPush(args: readonly string[]): Push {
  const p: Push = { force: false, del: false, mirror: false, all: false, tags: false, prune: false, dry: false, remote: undefined, refspecs: [] };
  let repoOpt: string | undefined;
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    if (t === "--") { pos.push(...args.slice(i + 1)); break; }
    if (t.startsWith("--")) {
      const names = longNames(t);
      if (names.some((n) => n.startsWith("--force"))) p.force = true;
      if (names.includes("--delete")) p.del = true;
      if (names.includes("--mirror")) p.mirror = true;
      if (names.includes("--all") || names.includes("--branches")) p.all = true;
      if (names.includes("--tags") || names.includes("--follow-tags")) p.tags = true;
      if (names.includes("--prune")) p.prune = true;
      if (names.includes("--dry-run")) p.dry = true;
      if (names.length === 1 && names[0] === "--repo") repoOpt = t.includes("=") ? t.slice(t.indexOf("=") + 1) : args[++i];
      else if (PUSH_VALUES.includes(t)) i++;
    } else if (t.startsWith("-") && t.length > 1) {
      for (let k = 1; k < t.length; k++) {
        const ch = t[k]!;
        if (ch === "f") p.force = true;
        else if (ch === "d") p.del = true;
        else if (ch === "n") p.dry = true;
        else if (ch === "o") { if (k === t.length - 1) i++; break; }
      }
    } else pos.push(t);
  }
  p.remote = repoOpt ?? pos[0];
  const specs = pos.slice(repoOpt === undefined ? 1 : 0);
  for (let i = 0; i < specs.length; i++) p.refspecs.push(specs[i] === "tag" && i + 1 < specs.length ? `refs/tags/${specs[++i]}` : specs[i]!);
  return p;
}

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
