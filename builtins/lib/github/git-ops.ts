// git commands as the GitHub operations they perform: push, clone, fetch, pull, ls-remote, and
// where each goes. A remote named in the same script (`git remote add x URL; git push x`) is
// followed to its URL; configuration that rewrites where remotes go (url.*.insteadOf,
// remote.*.url on the command line or set earlier in the script) makes the destination unknown.
import { gitCommand, gitKnows, readPush } from "../git-gh.ts";
import { operands, shown } from "../shell-call.ts";
import type { SimpleCommand } from "../shell/index.ts";
import { placeOf } from "./remotes.ts";
import { branchName, type Op } from "./rules.ts";

/** What earlier commands of the same script said about remotes. */
export interface Remotes {
  /** URLs given to remotes by name (`git remote add`, `set-url`, `git config remote.x.url`). */
  urls: Map<string, string[]>;
  /** Set once a command rewrites remote URLs (`url.*.insteadOf`): no address can be trusted. */
  rewritten: boolean;
}

type Target = Pick<Op, "repo" | "elsewhere">;

// Config keys that change where a remote or URL goes.
const REDIRECTS = /^(?:url\..*\.(?:push)?insteadof|remote\..*\.(?:url|pushurl))$/i;
const CONFIG_FILES = /^(?:GIT_CONFIG_GLOBAL|GIT_CONFIG_SYSTEM|GIT_CONFIG|GIT_CONFIG_PARAMETERS|GIT_DIR)=/;

// `-c key=value` before the subcommand, and GIT_CONFIG_KEY_n in the environment, that redirect.
function redirected(c: SimpleCommand): boolean {
  const a = c.argv;
  for (let i = 1; i < a.length && a[i]!.startsWith("-"); i++) {
    if (a[i] === "-c" && REDIRECTS.test((a[i + 1] ?? "").split("=")[0]!)) return true;
  }
  return c.assignments.some((s) => CONFIG_FILES.test(s) || (/^GIT_CONFIG_KEY_\d+=/.test(s) && REDIRECTS.test(s.slice(s.indexOf("=") + 1))));
}

// Targets shared by every command (never changed: pushOps copies from them).
const NO_REPO: readonly Target[] = Object.freeze([Object.freeze({ repo: null })]);
const REWRITTEN: readonly Target[] = Object.freeze([Object.freeze({ repo: null, elsewhere: "an address that git configuration rewrites" })]);
const NO_REMOTES: Remotes = { urls: new Map(), rewritten: false };

function target(remote: string | undefined, hosts: ReadonlySet<string>, state: Remotes, rewritten: boolean): readonly Target[] {
  if (rewritten || state.rewritten) return REWRITTEN;
  if (remote === undefined) return NO_REPO;
  const place = placeOf(remote, hosts);
  if (place) return [place.github ? { repo: place.repo } : { repo: null, elsewhere: place.where }];
  const urls = state.urls.get(remote);
  return urls ? urls.flatMap((u) => target(u, hosts, NO_REMOTES, false)) : NO_REPO;
}

function pushOps(c: SimpleCommand, args: string[], to: (remote: string | undefined) => readonly Target[]): Op[] {
  const { force, del, mirror, all, tags, prune, dry, remote, refspecs } = readPush(args);
  if (dry) return [];
  const targets = to(remote);
  const what = shown(c.argv);
  const ops: Op[] = refspecs.length === 0
    ? [{ kind: del || prune || mirror ? "destructive" : "write", what, repo: null, branch: tags && !all && !mirror ? undefined : null, force: force || mirror }]
    : refspecs.map((spec): Op => {
      let s = spec;
      let f = force || mirror;
      if (s.startsWith("+")) { f = true; s = s.slice(1); }
      const colon = s.indexOf(":");
      const deleting = del || colon === 0;
      const dst = colon >= 0 ? s.slice(colon + 1) || s.slice(0, colon) : s;
      const branch = /^(HEAD|@)$/.test(dst) || dst.includes("$") || dst === "" ? null : branchName(dst);
      return { kind: deleting || prune || mirror ? "destructive" : "write", what: deleting ? `delete branch ${dst} (${what})` : what, repo: null, branch, force: f };
    });
  if (targets.length === 1) {
    const [t] = targets as [Target];
    for (const op of ops) {
      op.repo = t.repo;
      if (t.elsewhere !== undefined) op.elsewhere = t.elsewhere;
    }
    return ops;
  }
  return targets.flatMap((t) => ops.map((op) => ({ ...op, ...t })));
}

const CLONE_VALUES = ["-b", "--branch", "-o", "--origin", "--depth", "--reference", "-c", "--config", "-j", "--jobs", "--filter", "--template", "-u", "--upload-pack", "--separate-git-dir", "--shallow-since", "--shallow-exclude"];
const FETCH_VALUES = ["--depth", "--upload-pack", "-j", "--jobs", "--negotiation-tip", "--shallow-since", "--shallow-exclude", "-o", "--server-option"];

/** The GitHub operations of one git command; `state` learns the remotes it defines. */
export function gitOps(c: SimpleCommand, hosts: ReadonlySet<string>, state: Remotes): Op[] {
  const { sub, args } = gitCommand(c.argv);
  const what = shown(c.argv);
  const rewritten = redirected(c);
  const to = (remote: string | undefined) => target(remote, hosts, state, rewritten);
  if (sub === "push") return pushOps(c, args, to);
  if (sub === "clone") {
    const source = operands(["clone", ...args], CLONE_VALUES)[0];
    return source === undefined ? [] : to(source).map((t) => ({ kind: "read", what, ...t }));
  }
  // `git submodule add URL` clones URL.
  const submodule = sub === "submodule" ? operands(["submodule", ...args], ["-b", "--branch", "--name", "--reference", "--depth"]) : [];
  if (submodule[0] === "add" && submodule[1] !== undefined) return to(submodule[1]).map((t) => ({ kind: "read", what, ...t }));
  if (sub === "fetch" || sub === "pull" || sub === "ls-remote") {
    return to(operands([sub, ...args], FETCH_VALUES)[0]).map((t) => ({ kind: "read", what, ...t }));
  }
  if (sub === "remote") {
    const [verb, name, url] = operands(["remote", ...args], ["-t", "-m", "--mirror"]);
    if ((verb === "add" || verb === "set-url") && name !== undefined && url !== undefined) state.urls.set(name, [...(state.urls.get(name) ?? []), url]);
  }
  if (sub === "config") {
    const [key = "", value] = operands(["config", ...args], ["-f", "--file", "--blob", "--type", "--default", "--comment"]).filter((o) => o !== "set");
    const remote = /^remote\.(.+)\.(?:push)?url$/i.exec(key)?.[1];
    if (remote !== undefined && value !== undefined) state.urls.set(remote, [...(state.urls.get(remote) ?? []), value]);
    else if (REDIRECTS.test(key)) state.rewritten = true;
  }
  return gitKnows(sub) ? [] : [{ kind: "unknown", what, repo: null }];
}
