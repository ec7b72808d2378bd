// gh commands as the GitHub operations they perform. gh talks to the host of GH_HOST,
// `--hostname` or `-R HOST/OWNER/REPO` (github.com otherwise); anywhere that is not a GitHub
// host is an unknown destination.
import { GH_READS, ghApi } from "../git-gh.ts";
import { operands, shown } from "../shell-call.ts";
import { optionValue, type SimpleCommand } from "../shell/index.ts";
import { repoIn, repoName } from "./remotes.ts";
import { branchName, type Op } from "./rules.ts";

const flagValue = (a: string[], letter: string, long: string[]) => optionValue(a.map((text) => ({ text })), letter, long)?.text;

// Groups that touch no repository on GitHub (help, gh's own settings, opening a browser).
const GH_LOCAL = new Set(["help", "version", "auth", "config", "alias", "extension", "completion", "status", "browse", "attestation", "accessibility"]);
// gh's own command groups; any other first word is an alias or an extension, which may do anything.
const GH_GROUPS = new Set([
  ...GH_LOCAL, "api", "codespace", "gist", "issue", "org", "pr", "project", "release", "repo", "cache", "run", "workflow", "gpg-key", "label",
  "ruleset", "search", "secret", "ssh-key", "variable", "agent-task", "copilot", "preview",
]);
const VALUE_FLAGS = ["-R", "--repo", "-b", "--body", "-t", "--title", "-B", "--base", "-H", "--head", "--org", "-m", "--message", "-F", "--body-file", "--hostname", "--owner"];

function apiOps(a: string[], what: string): Op[] {
  const { method, endpoint, fields } = ghApi(a);
  const kind: Op["kind"] = method === "GET" || method === "HEAD" ? "read" : method === "DELETE" ? "destructive" : "write";
  if (endpoint === "graphql") return [{ kind: fields.some((f) => /mutation/i.test(f)) ? "write" : "read", what, repo: null }];
  const m = /^\/?repos\/([^/]+)\/([^/?#]+)/.exec(endpoint);
  const apiRepo = m ? (/^[{:]/.test(m[1]!) || /^[{:]/.test(m[2]!) ? null : repoName(`${m[1]}/${m[2]}`)) : undefined;
  const field = (name: string) => fields.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);
  const ref = /\/git\/refs\/(heads\/.+)$/.exec(endpoint)?.[1] ?? field("ref");
  let branch: string | null | undefined;
  if (kind !== "read") {
    branch = field("branch") ?? (ref !== undefined ? branchName(ref.startsWith("heads/") ? `refs/${ref}` : ref) : /\/(contents|git\/refs|merges|branches|pulls)\b/.test(endpoint) ? null : undefined);
    const b = /\/branches\/([^/?#]+)/.exec(endpoint)?.[1] ?? (/\/pulls\/?$/.test(endpoint) ? field("base") : undefined);
    if (b) branch = b;
  }
  const force = /\/git\/refs/.test(endpoint) && kind === "write" && fields.some((f) => /^force=(true|1)$/i.test(f));
  return [{ kind, what, repo: apiRepo, branch, force }];
}

function repoOps(a: string[], sub: string, what: string, target: string | null, named: string | undefined): Op[] {
  if (sub === "delete" || sub === "archive") return [{ kind: "destructive", what, repo: target }];
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

/** The GitHub operations of one gh command. */
export function ghOps(c: SimpleCommand, hosts: ReadonlySet<string>): Op[] {
  const a = c.argv;
  const [group = "", sub = ""] = a.slice(1);
  if (group === "" || group.startsWith("-") || GH_LOCAL.has(group)) return [];
  const what = shown(a);
  if (!GH_GROUPS.has(group)) return [{ kind: "unknown", what, repo: null }];
  const host = flagValue(a, "", ["--hostname"]) ?? c.assignments.find((s) => s.startsWith("GH_HOST="))?.slice(8);
  const elsewhere = host === undefined ? undefined : repoIn(`https://${host}/o/r`, hosts).elsewhere;
  const words = operands(["gh", ...a.slice(3)], VALUE_FLAGS);
  const flag = flagValue(a, "R", ["--repo"]);
  const url = words.find((t) => /^[a-z][a-z0-9+.-]*:\/\//i.test(t));
  // `gh repo view OWNER/REPO` and `HOST/OWNER/REPO`: the operand is the repository.
  const operand = group === "repo" ? words.find((t) => /^[^/\s:]+(?:\/[^/\s]+){1,2}$/.test(t)) : undefined;
  const named = words.find((t) => repoName(t) === t);
  const given = flag !== undefined ? repoIn(flag, hosts) : url !== undefined ? repoIn(url, hosts) : operand !== undefined ? repoIn(operand, hosts) : { repo: null };
  const repo = given.repo;
  const off = elsewhere ?? given.elsewhere;
  const ops = ((): Op[] => {
    if (group === "api") return apiOps(a, what);
    if (group === "search") return [{ kind: "read", what, repo }];
    if (group === "repo") return repoOps(a, sub, what, named ?? repo, named);
    if (group === "pr" && sub === "merge") {
      const merge: Op[] = [{ kind: "write", what, repo, branch: null, branchUnknowable: true }];
      if (a.includes("-d") || a.includes("--delete-branch")) merge.push({ kind: "destructive", what: `delete the pull request's branch (${what})`, repo, branch: null, branchUnknowable: true });
      return merge;
    }
    // A pull request is a request to write into its base: judged as a write there.
    if (group === "pr" && sub === "create") return [{ kind: "write", what, repo, branch: flagValue(a, "B", ["--base"]) ?? null }];
    // Moving a pull request to another base makes it a request to write there.
    if (group === "pr" && sub === "edit") return [{ kind: "write", what, repo, branch: flagValue(a, "B", ["--base"]) }];
    if (group === "pr" && sub === "checkout") return [{ kind: "read", what, repo }];
    if (sub.endsWith("delete") || sub === "delete-asset") return [{ kind: "destructive", what, repo }];
    if (GH_READS.has(sub)) return [{ kind: "read", what, repo }];
    return [{ kind: "write", what, repo, branch: group === "pr" && sub === "update-branch" ? null : undefined }];
  })();
  return off === undefined ? ops : ops.map((op) => ({ ...op, elsewhere: off }));
}
