// GitHub tool calls (github_*, gh_*, mcp__github__*, and the GitHub MCP server's bare tool
// names when they carry a repository) as the operations they perform.
import { GITHUB_TOOLS } from "./catalog.ts";
import { repoIn } from "./remotes.ts";
import { branchName, type Op } from "./rules.ts";

// A GitHub MCP server's tools; and other naming schemes for GitHub tools.
const SERVER = /^(?:mcp__github__|mcp__[a-z0-9_-]*github[a-z0-9_-]*?__)/;
const PREFIX = /^(?:github[_.\-/:]+|gh[_.\-/:]+)/;
const REPO_FREE = new Set(["search_repositories", "search_code", "search_issues", "search_users", "search_commits", "search_pull_requests", "create_repository", "get_me"]);
const DESTRUCTIVE = /^(delete|remove)_(repo|repository|branch|branches|ref|git_ref|tag|release)$|^(archive|transfer)_repository$|force_push/;
const READS = /^(get|list|search|read|fetch|view|show|compare|download|check|diff|whoami|me)(_|$)/;
const BRANCH_WRITES = new Set([
  "push_files", "create_or_update_file", "create_file", "update_file", "delete_file", "create_commit", "commit_files", "create_branch",
  "create_ref", "update_ref", "update_branch", "delete_branch", "delete_ref", "merge_pull_request", "merge_branch", "merge", "update_pull_request_branch",
  "create_pull_request",
]);
const REPO_KEYS = ["repository", "repo", "full_name", "repo_full_name", "repository_full_name", "name_with_owner", "nameWithOwner", "repo_url", "html_url", "url"];

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/[-.\s]/g, "_");
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function repoOf(a: Record<string, unknown>, hosts: ReadonlySet<string>): string | undefined {
  for (const key of REPO_KEYS) {
    const v = str(a[key]);
    const r = v?.includes("/") ? repoIn(v, hosts).repo : null;
    if (r) return r;
  }
  const owner = str(a.owner) ?? str(a.org) ?? str(a.organization);
  const name = str(a.repo) ?? str(a.repository) ?? str(a.repo_name);
  return owner && name && !name.includes("/") ? `${owner}/${name}` : undefined;
}

/** Every repository the arguments name, at the top and in nested objects (`{params: {owner,
 *  repo}}`): a server may read either, so each one is judged. */
function reposIn(a: Record<string, unknown>, hosts: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const visit = (o: Record<string, unknown>, depth: number) => {
    const r = repoOf(o, hosts);
    if (r && !found.includes(r)) found.push(r);
    if (depth >= 3) return;
    let n = 0;
    for (const k in o) {
      const v = o[k];
      if (isObject(v)) visit(v, depth + 1);
      if (++n >= 50) break;
    }
  };
  visit(a, 0);
  return found;
}

const NESTED = ["params", "arguments", "input", "args"];

// Arguments as the tool reads them: nested `params`/`arguments`/`input` objects hold them too.
function argReader(a: Record<string, unknown>): (key: string) => string | undefined {
  const nested = NESTED.map((k) => a[k]).filter(isObject);
  return (key) => str(a[key]) ?? (nested.length === 0 ? undefined : nested.map((o) => str(o[key])).find(Boolean));
}

export function toolOps(tool: string, a: Record<string, unknown>, hosts: ReadonlySet<string>): Op[] | null {
  // The prefix is looked for in the name as written (`mcp__GitHub__x`, `GitHub_x`) and in its
  // snake case (`githubCreateIssue`); the tool's own name is read in snake case.
  const raw = tool.slice(0, 200);
  const folded = raw.toLowerCase();
  const server = SERVER.exec(folded);
  const named = server ?? PREFIX.exec(folded);
  const lower = snake(named ? raw.slice(named[0].length) : raw);
  const m = named ?? PREFIX.exec(lower);
  const op = m && !named ? lower.slice(m[0].length) : lower;
  const repos = reposIn(a, hosts);
  if (!m && repos.length === 0 && !REPO_FREE.has(op)) return null;
  if (server && !GITHUB_TOOLS.has(op)) return [{ kind: "unlisted", what: tool, repo: undefined }];
  const kind: Op["kind"] = DESTRUCTIVE.test(op) ? "destructive" : READS.test(op) ? "read" : "write";
  const arg = argReader(a);
  const each = (make: (repo: string | undefined, what: string) => Op[]): Op[] =>
    (repos.length > 0 ? repos : [undefined]).flatMap((r) => make(r, `${tool}${r ? ` on ${r}` : ""}`));
  if (op.startsWith("search_")) {
    const q = arg("query") ?? arg("q") ?? "";
    const named = [...q.matchAll(/(?:^|\s)repo:([^\s]+)/g)].map((x) => x[1]!);
    if (named.length > 0) return named.map((r) => ({ kind: "read", what: tool, repo: r }));
    return each((repo, what) => [{ kind: "read", what, repo: repo ?? (op === "search_users" ? undefined : null) }]);
  }
  if (op === "create_repository") {
    const owner = arg("organization") ?? arg("org") ?? arg("owner");
    const name = arg("name") ?? arg("repo");
    return [{ kind: "write", what: tool, repo: owner && name ? `${owner}/${name}` : null }];
  }
  if (op === "fork_repository") {
    const org = arg("organization") ?? arg("org");
    const name = arg("repo") ?? arg("name");
    return [...each((repo, what) => [{ kind: "read", what, repo: repo ?? null }]), { kind: "write", what: tool, repo: org && name ? `${org}/${name}` : null }];
  }
  let branch: string | null | undefined;
  let branchUnknowable = false;
  if (kind !== "read") {
    // A pull request writes into its base; a merge by number cannot say which base that is.
    const v = op.includes("pull_request") || op.startsWith("merge") ? arg("base") ?? arg("branch") : arg("branch") ?? arg("ref") ?? arg("branch_name") ?? arg("new_branch");
    branch = v !== undefined ? branchName(v) : BRANCH_WRITES.has(op) ? null : undefined;
    branchUnknowable = v === undefined && op.startsWith("merge");
  }
  const force = (op.includes("force_push") || (/ref|branch/.test(op) && (a.force === true || (isObject(a.params) && a.params.force === true)))) && kind !== "read";
  return each((repo, what) => [{ kind, what, repo: repo ?? (kind === "read" ? undefined : null), branch, branchUnknowable, force }]);
}
