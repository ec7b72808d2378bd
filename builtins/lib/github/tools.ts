// GitHub tool calls (github_*, gh_*, mcp__github__*, and the GitHub MCP server's bare tool
// names when they carry a repository) as the operations they perform.
import { repoFrom } from "../git-gh.ts";
import { branchName, type Op } from "./rules.ts";

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


export function toolOps(tool: string, a: Record<string, unknown>): Op[] | null {
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
