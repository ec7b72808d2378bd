// git and gh commands in shell tools as the GitHub operations they perform.
import { GH_READS, ghApi, gitCommand, gitKnows, isRemoteUrl, repoFrom } from "../git-gh.ts";
import { operands, shown, visitCommands } from "../shell-call.ts";
import { optionValue, type ShellParse, type SimpleCommand } from "../shell/index.ts";
import { branchName, judge, type Finding, type Op, type Rules } from "./rules.ts";

const PUSH_VALUES = ["-o", "--push-option", "--receive-pack", "--exec", "--repo"];

function remoteRepo(remote: string | undefined): string | null {
  return remote !== undefined && isRemoteUrl(remote) ? repoFrom(remote) : null;
}

function pushOps(c: SimpleCommand, args: string[]): Op[] {
  let force = false, del = false, mirror = false, all = false, tags = false, prune = false, dry = false;
  let repoOpt: string | undefined;
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i]!;
    if (t === "--") { pos.push(...args.slice(i + 1)); break; }
    if (t.startsWith("--")) {
      const name = t.split("=")[0]!;
      if (name === "--force" || name === "--force-with-lease" || name === "--force-if-includes") force = true;
      else if (name === "--delete") del = true;
      else if (name === "--mirror") mirror = true;
      else if (name === "--all" || name === "--branches") all = true;
      else if (name === "--tags") tags = true;
      else if (name === "--prune") prune = true;
      else if (name === "--dry-run") dry = true;
      else if (name === "--repo") repoOpt = t.includes("=") ? t.slice(7) : args[++i];
      else if (PUSH_VALUES.includes(t)) i++;
    } else if (t.startsWith("-") && t.length > 1) {
      for (let k = 1; k < t.length; k++) {
        const ch = t[k]!;
        if (ch === "f") force = true;
        else if (ch === "d") del = true;
        else if (ch === "n") dry = true;
        else if (ch === "o") { if (k === t.length - 1) i++; break; }
      }
    } else pos.push(t);
  }
  if (dry) return [];
  const remote = repoOpt ?? pos[0];
  const repo = remoteRepo(remote);
  const what = shown(c.argv);
  const refspecs = pos.slice(repoOpt === undefined ? 1 : 0);
  if (refspecs.length === 0) {
    return [{ kind: del || prune || mirror ? "destructive" : "write", what, repo, branch: tags && !all && !mirror ? undefined : null, force: force || mirror }];
  }
  return refspecs.map((spec): Op => {
    let s = spec;
    let f = force || mirror;
    if (s.startsWith("+")) { f = true; s = s.slice(1); }
    const colon = s.indexOf(":");
    const deleting = del || (colon === 0);
    const dst = colon >= 0 ? s.slice(colon + 1) || s.slice(0, colon) : s;
    const branch = /^(HEAD|@)$/.test(dst) || dst.includes("$") || dst === "" ? null : branchName(dst);
    return { kind: deleting || prune || mirror ? "destructive" : "write", what: deleting ? `delete branch ${dst} (${what})` : what, repo, branch, force: f };
  });
}

function gitOps(c: SimpleCommand): Op[] {
  const { sub, args } = gitCommand(c.argv);
  const what = shown(c.argv);
  if (sub === "push") return pushOps(c, args);
  if (sub === "clone") {
    const source = operands(["clone", ...args], ["-b", "--branch", "-o", "--origin", "--depth", "--reference", "-c", "--config", "-j", "--jobs", "--filter", "--template", "-u", "--upload-pack", "--separate-git-dir", "--shallow-since", "--shallow-exclude"])[0];
    return source !== undefined && isRemoteUrl(source) ? [{ kind: "read", what, repo: repoFrom(source) }] : [];
  }
  if (sub === "fetch" || sub === "pull" || sub === "ls-remote") {
    const remote = operands([sub, ...args], ["--depth", "--upload-pack", "-j", "--jobs", "--negotiation-tip", "--shallow-since", "--shallow-exclude", "-o", "--server-option"])[0];
    return [{ kind: "read", what, repo: remoteRepo(remote) }];
  }
  return gitKnows(sub) ? [] : [{ kind: "unknown", what, repo: null }];
}

const flagValue = (a: string[], letter: string, long: string[]) => optionValue(a.map((text) => ({ text })), letter, long)?.text;

const GH_LOCAL = new Set(["help", "version", "auth", "config", "alias", "extension", "completion", "status", "browse", "codespace", "ssh-key", "gpg-key", "attestation", "agent-task"]);

function ghOps(c: SimpleCommand): Op[] {
  const a = c.argv;
  const [group = "", sub = ""] = a.slice(1);
  if (group === "" || group.startsWith("-") || GH_LOCAL.has(group)) return [];
  const what = shown(a);
  const flag = flagValue(a, "R", ["--repo"]);
  const url = a.slice(2).find((t) => /^https?:\/\/github\.com\//i.test(t));
  const named = operands(["gh", ...a.slice(3)], ["-R", "--repo", "-b", "--body", "-t", "--title", "-B", "--base", "-H", "--head", "--org", "-m", "--message", "-F", "--body-file"]).find((t) => repoFrom(t) === t);
  const repo = (flag && repoFrom(flag)) ?? (url && repoFrom(url)) ?? null;
  if (group === "api") {
    const { method, endpoint, fields } = ghApi(a);
    const kind: Op["kind"] = method === "GET" || method === "HEAD" ? "read" : method === "DELETE" ? "destructive" : "write";
    if (endpoint === "graphql") return [{ kind: fields.some((f) => /mutation/i.test(f)) ? "write" : "read", what, repo: null }];
    const m = /^\/?repos\/([^/]+)\/([^/?#]+)/.exec(endpoint);
    const apiRepo = m ? (/^[{:]/.test(m[1]!) || /^[{:]/.test(m[2]!) ? null : `${m[1]}/${m[2]}`) : undefined;
    const field = (name: string) => fields.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);
    const ref = /\/git\/refs\/(heads\/.+)$/.exec(endpoint)?.[1] ?? field("ref");
    const branchField = field("branch");
    let branch: string | null | undefined;
    if (kind !== "read") {
      branch = branchField ?? (ref !== undefined ? branchName(ref.startsWith("heads/") ? `refs/${ref}` : ref) : /\/(contents|git\/refs|merges|branches)\b/.test(endpoint) ? null : undefined);
      const b = /\/branches\/([^/?#]+)/.exec(endpoint)?.[1];
      if (b) branch = b;
    }
    const force = /\/git\/refs/.test(endpoint) && kind === "write" && fields.some((f) => /^force=(true|1)$/i.test(f));
    return [{ kind, what, repo: apiRepo, branch, force }];
  }
  if (group === "search") return [{ kind: "read", what, repo }];
  if (group === "repo") {
    const target = named ?? repo;
    if (sub === "delete") return [{ kind: "destructive", what, repo: target }];
    if (sub === "list") return [{ kind: "read", what, repo: undefined }];
    if (["view", "clone"].includes(sub)) return [{ kind: "read", what, repo: target }];
    if (sub === "create") return [{ kind: "write", what, repo: named ?? null }];
    if (sub === "fork") {
      const org = flagValue(a, "", ["--org"]);
      const name = target?.split("/")[1];
      return [{ kind: "read", what, repo: target }, { kind: "write", what, repo: org && name ? `${org}/${name}` : null }];
    }
    if (sub === "sync") return [{ kind: "write", what, repo: target, branch: flagValue(a, "b", ["--branch"]) ?? null, force: a.includes("--force") }];
    return [{ kind: "write", what, repo: target }];
  }
  if (group === "pr" && sub === "merge") {
    const ops: Op[] = [{ kind: "write", what, repo, branch: null }];
    if (a.includes("-d") || a.includes("--delete-branch")) ops.push({ kind: "destructive", what: `delete the pull request's branch (${what})`, repo, branch: null });
    return ops;
  }
  if (group === "pr" && sub === "checkout") return [{ kind: "read", what, repo }];
  if (sub === "delete" || sub === "delete-asset") return [{ kind: "destructive", what, repo }];
  if (GH_READS.has(sub)) return [{ kind: "read", what, repo }];
  return [{ kind: "write", what, repo, branch: group === "pr" && sub === "update-branch" ? null : undefined }];
}

export function shellFindings(parse: ShellParse, rules: Rules): { findings: Finding[]; relevant: boolean } {
  const findings: Finding[] = [];
  let relevant = false;
  visitCommands(parse, (c) => {
    if (c.name !== "git" && c.name !== "gh") return;
    relevant = true;
    for (const op of c.name === "git" ? gitOps(c) : ghOps(c)) findings.push(...judge(op, rules));
  }, (reason) => {
    relevant = true;
    findings.push({ level: "ask", reason: `${reason} It may touch GitHub.` });
  });
  return { findings, relevant };
}
