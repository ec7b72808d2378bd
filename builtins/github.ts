// Which GitHub repositories and branches an agent may read and write, whether it may force
// push or delete. Applies to GitHub tool calls (github_*, gh_*, mcp__github__*, and the GitHub
// MCP server's bare tool names when they carry a repository) and to git/gh commands in shell
// tools, parsed with lib/shell/.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { compileGlobs, globListSchema, type Matcher } from "./lib/glob.ts";
import { optionValue, type ShellParse, type SimpleCommand } from "./lib/shell/index.ts";
import { DEFAULT_SHELL_TOOLS, GH_READS, SHELL_TOOLS_PARAM, ghApi, gitCommand, gitKnows, isRemoteUrl, operands, repoFrom, shellParses, shown, visitCommands, worst } from "./lib/shell-call.ts";

/**
 * One GitHub operation. `repo` and `branch`: a name when known, null when it matters but cannot
 * be told (a remote called `origin`, `git push` with no refspec), undefined when not relevant.
 */
interface Op {
  /** `unknown`: a git alias or add-on, which could do anything to any repository. */
  kind: "read" | "write" | "destructive" | "unknown";
  what: string;
  repo: string | null | undefined;
  branch?: string | null | undefined;
  force?: boolean;
}

interface Rules { read?: Matcher; write?: Matcher; branches?: Matcher; denyForce: boolean; allowDestructive: boolean }
type Finding = { level: "deny" | "ask"; reason: string };

function judge(op: Op, rules: Rules): Finding[] {
  const out: Finding[] = [];
  const deny = (reason: string) => out.push({ level: "deny", reason });
  const ask = (reason: string) => out.push({ level: "ask", reason });
  if (op.kind === "unknown") {
    if (rules.read || rules.write || rules.branches || rules.denyForce || !rules.allowDestructive) ask(`Cannot tell what ${op.what} does (a git alias?).`);
    return out;
  }
  if (op.force && rules.denyForce) deny(`Force push is not allowed: ${op.what}.`);
  if (op.kind === "destructive" && !rules.allowDestructive) deny(`Destructive operation is not allowed: ${op.what}.`);
  const writing = op.kind !== "read";
  if (op.repo === null) {
    if (rules.read || (writing && rules.write)) ask(`Cannot tell which repository ${op.what} ${writing ? "writes to" : "reads"}.`);
  } else if (op.repo !== undefined) {
    // read_repos limits every access; write_repos further limits writes.
    if (rules.read && !rules.read(op.repo) && !rules.write?.(op.repo)) deny(`Repository ${op.repo} is not in read_repos (${op.what}).`);
    else if (writing && rules.write && !rules.write(op.repo)) deny(`Repository ${op.repo} is not in write_repos (${op.what}).`);
  }
  if (writing && rules.branches && op.branch !== undefined) {
    if (op.branch === null) ask(`Cannot tell which branch ${op.what} writes to.`);
    else if (!rules.branches(op.branch)) deny(`Branch ${op.branch} is not in write_branches (${op.what}).`);
  }
  return out;
}

// ---- GitHub tool calls -------------------------------------------------------------------

const PREFIX = /^(?:mcp__github__|mcp__[a-z0-9_-]*github[a-z0-9_-]*?__|github[_.\-/:]+|gh[_.\-/:]+)/;
const REPO_FREE = new Set(["search_repositories", "search_code", "search_issues", "search_users", "search_commits", "search_pull_requests", "create_repository", "get_me"]);
const DESTRUCTIVE = /^(delete|remove)_(repo|repository|branch|branches|ref|git_ref|tag|release)$|^(archive|transfer)_repository$|force_push/;
const READS = /^(get|list|search|read|fetch|view|show|compare|download|check|diff|whoami|me)(_|$)/;
const BRANCH_WRITES = new Set([
  "push_files", "create_or_update_file", "create_file", "update_file", "delete_file", "create_commit", "commit_files", "create_branch",
  "create_ref", "update_ref", "update_branch", "delete_branch", "delete_ref", "merge_pull_request", "merge_branch", "merge", "update_pull_request_branch",
]);

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/[-.\s]/g, "_");

function repoArgs(a: Record<string, unknown>): string | undefined {
  for (const key of ["repository", "repo", "full_name", "repo_full_name", "repository_full_name", "name_with_owner", "nameWithOwner", "repo_url", "html_url", "url"]) {
    const v = str(a[key]);
    if (v?.includes("/")) {
      const r = repoFrom(v);
      if (r) return r;
    }
  }
  const owner = str(a.owner) ?? str(a.org) ?? str(a.organization);
  const name = str(a.repo) ?? str(a.repository) ?? str(a.repo_name);
  return owner && name && !name.includes("/") ? `${owner}/${name}` : undefined;
}

const branchName = (v: string): string | undefined => (v.startsWith("refs/heads/") ? v.slice(11) : v.startsWith("refs/") ? undefined : v);

function toolOps(tool: string, a: Record<string, unknown>): Op[] | null {
  const lower = snake(tool.slice(0, 200));
  const m = PREFIX.exec(lower);
  const op = m ? lower.slice(m[0].length) : lower;
  const repo = repoArgs(a);
  if (!m && repo === undefined && !REPO_FREE.has(op)) return null;
  const what = `${tool}${repo ? ` on ${repo}` : ""}`;
  const kind: Op["kind"] = DESTRUCTIVE.test(op) ? "destructive" : READS.test(op) ? "read" : "write";
  if (op.startsWith("search_")) {
    const q = str(a.query) ?? str(a.q) ?? "";
    const repos = [...q.matchAll(/(?:^|\s)repo:([^\s]+)/g)].map((x) => x[1]!);
    if (repos.length > 0) return repos.map((r) => ({ kind: "read", what, repo: r }));
    return [{ kind: "read", what, repo: repo ?? (op === "search_users" ? undefined : null) }];
  }
  if (op === "create_repository") {
    const owner = str(a.organization) ?? str(a.org) ?? str(a.owner);
    const name = str(a.name) ?? str(a.repo);
    return [{ kind: "write", what, repo: owner && name ? `${owner}/${name}` : null }];
  }
  if (op === "fork_repository") {
    const org = str(a.organization) ?? str(a.org);
    const name = str(a.repo) ?? str(a.name);
    return [{ kind: "read", what, repo: repo ?? null }, { kind: "write", what, repo: org && name ? `${org}/${name}` : null }];
  }
  let branch: string | null | undefined;
  if (kind !== "read") {
    const v = op.startsWith("merge") ? str(a.base) ?? str(a.branch) : str(a.branch) ?? str(a.ref) ?? str(a.branch_name) ?? str(a.new_branch);
    branch = v !== undefined ? branchName(v) : BRANCH_WRITES.has(op) ? null : undefined;
  }
  const force = (op.includes("force_push") || (/ref|branch/.test(op) && a.force === true)) && kind !== "read";
  return [{ kind, what, repo: repo ?? (kind === "read" ? undefined : null), branch, force }];
}

// ---- git and gh commands -----------------------------------------------------------------

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

function shellFindings(parse: ShellParse, rules: Rules): { findings: Finding[]; relevant: boolean } {
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

// ---- the policy --------------------------------------------------------------------------

interface GithubParams {
  read_repos?: string[];
  write_repos?: string[];
  write_branches?: string[];
  deny_force_push?: boolean;
  allow_destructive?: boolean;
  shell_tools?: string[];
}

export function github(params: GithubParams) {
  const rules: Rules = {
    ...(params.read_repos ? { read: compileGlobs(params.read_repos) } : {}),
    ...(params.write_repos ? { write: compileGlobs(params.write_repos) } : {}),
    ...(params.write_branches ? { branches: compileGlobs(params.write_branches) } : {}),
    denyForce: params.deny_force_push ?? true,
    allowDestructive: params.allow_destructive ?? false,
  };
  const isShell = compileGlobs(params.shell_tools ?? DEFAULT_SHELL_TOOLS);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    const { name, arguments: args } = event.data;
    let findings: Finding[];
    if (isShell(name)) {
      const { parses, problem } = shellParses(args);
      if (problem) return parses.length === 0 && problem.startsWith("No command") ? null : { result: "ASK", reason: problem };
      const results = parses.map((p) => shellFindings(p, rules));
      if (!results.some((r) => r.relevant)) return null;
      findings = results.flatMap((r) => r.findings);
    } else {
      const ops = toolOps(name, args ?? {});
      if (!ops) return null;
      findings = ops.flatMap((op) => judge(op, rules));
    }
    const w = worst(findings, ["deny", "ask"] as const);
    if (!w) return { result: "ALLOW" };
    return { result: w.level === "deny" ? "DENY" : "ASK", reason: w.reason };
  };
}

const GLOBS = (what: string, example: string) =>
  globListSchema(`${what} Glob patterns (* any run of characters, ? one character), case-insensitive, e.g. ${example}. Leave unset for no restriction; an empty list allows none.`, {
    maxItems: 500,
    noBlanks: true,
  });

export const GITHUB_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.github", kind: "factory", name: "GitHub Access",
    description:
      "Limits what an agent does on GitHub, through GitHub tools (github_*, gh_*, mcp__github__*, or GitHub MCP tool names such " +
      "as create_pull_request, push_files, get_file_contents that carry owner+repo, repository or repo \"owner/repo\") and through " +
      "git and gh commands in shell tools (git push/clone/fetch/pull/ls-remote, gh repo/pr/issue/release/api …). Rules: a read of " +
      "a repository outside read_repos (or write_repos) is DENY; a write outside write_repos, or outside read_repos when only that " +
      "is set, is DENY; a write to a branch outside write_branches is DENY; a force push (--force, --force-with-lease, -f, +refspec, " +
      "--mirror, a ref update with force=true) is DENY when deny_force_push; destructive operations (deleting a repository, " +
      "branch, tag or release, git push --delete or :branch, --prune, --mirror, gh api -X DELETE, gh pr merge --delete-branch) " +
      "are DENY unless allow_destructive. ASK when a rule depends on a repository or branch that cannot be told (a push to a " +
      "remote named origin when write_repos is set, git push with no refspec or HEAD when write_branches is set, gh without -R), " +
      "for git subcommands that are not git's own (aliases, which may push anywhere) while any rule applies, and for shell " +
      "commands that cannot be analysed. ALLOW otherwise for GitHub tools and git/gh commands; no opinion on " +
      "anything else.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        read_repos: GLOBS("Repositories (owner/repo) the agent may access at all.", '["myorg/*"]'),
        write_repos: GLOBS("Repositories (owner/repo) the agent may write to.", '["myorg/sandbox-*"]'),
        write_branches: GLOBS("Branches the agent may write to (push, commit files, merge into).", '["feature/*", "agent/*"]'),
        deny_force_push: { type: "boolean", default: true, description: "Deny force pushes (history rewrites) everywhere." },
        allow_destructive: { type: "boolean", default: false, description: "Allow deleting repositories, branches, tags and releases, and DELETE calls through gh api." },
        shell_tools: SHELL_TOOLS_PARAM,
      },
    },
  },
];
