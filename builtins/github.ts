// Which GitHub repositories and branches an agent may read and write, whether it may force
// push or delete. Applies to GitHub tool calls (lib/github/tools.ts) and to git/gh commands in
// shell tools (lib/github/commands.ts), judged by the same rules (lib/github/rules.ts).
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { shellFindings } from "./lib/github/commands.ts";
import { GITHUB_HOSTS } from "./lib/github/remotes.ts";
import { judge, type Finding, type Rules } from "./lib/github/rules.ts";
import { toolOps } from "./lib/github/tools.ts";
import { compileGlobs, globListSchema } from "./lib/glob.ts";
import { normalizeDomain } from "./lib/url/index.ts";
import { DEFAULT_SHELL_TOOLS, SHELL_TOOLS_PARAM, shellParses, worst } from "./lib/shell-call.ts";

interface GithubParams {
  read_repos?: string[];
  write_repos?: string[];
  write_branches?: string[];
  deny_force_push?: boolean;
  allow_destructive?: boolean;
  enterprise_hosts?: string[];
  merge_without_base?: "ASK" | "DENY";
  shell_tools?: string[];
}

export function github(params: GithubParams) {
  const rules: Rules = {
    ...(params.read_repos ? { read: compileGlobs(params.read_repos) } : {}),
    ...(params.write_repos ? { write: compileGlobs(params.write_repos) } : {}),
    ...(params.write_branches ? { branches: compileGlobs(params.write_branches) } : {}),
    denyForce: params.deny_force_push ?? true,
    allowDestructive: params.allow_destructive ?? false,
    unknowableBranch: params.merge_without_base === "DENY" ? "deny" : "ask",
  };
  const hosts = new Set([...GITHUB_HOSTS, ...(params.enterprise_hosts ?? []).map((h) => {
    const host = normalizeDomain(h);
    if (host === null || h.startsWith("*")) throw new Error(`enterprise_hosts: "${h}" is not a host name`);
    return host;
  })]);
  const isShell = compileGlobs(params.shell_tools ?? DEFAULT_SHELL_TOOLS);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    const { name, arguments: args } = event.data;
    let findings: Finding[];
    if (isShell(name)) {
      const { parses, problem } = shellParses(args);
      if (problem) return parses.length === 0 && problem.startsWith("No command") ? null : { result: "ASK", reason: problem };
      const results = parses.map((p) => shellFindings(p, rules, hosts));
      if (!results.some((r) => r.relevant)) return null;
      findings = results.flatMap((r) => r.findings);
    } else {
      const ops = toolOps(name, args ?? {}, hosts);
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
      "as create_pull_request, push_files, get_file_contents that carry owner+repo, repository or repo \"owner/repo\", also inside " +
      "nested objects such as params) and through git and gh commands in shell tools (git push/clone/fetch/pull/ls-remote, gh " +
      "repo/pr/issue/release/codespace/ssh-key/api …). Rules: a read of a repository outside read_repos (or write_repos) is DENY; a " +
      "write outside write_repos, or outside read_repos when only that is set, is DENY; a write to a branch outside write_branches " +
      "is DENY, and so is a pull request (create_pull_request, gh pr create) whose base is outside it; a force push (--force, " +
      "--force-with-lease, -f, +refspec, --mirror, a ref update with force=true) is DENY when deny_force_push; destructive " +
      "operations (deleting a repository, branch, tag, release, codespace, key or project item, git push --delete or :branch, " +
      "--prune, --mirror, gh api -X DELETE, gh pr merge --delete-branch) are DENY unless allow_destructive. Only github.com, " +
      "www.github.com and enterprise_hosts are GitHub: a git remote, clone source, gh --hostname/GH_HOST or -R HOST/… anywhere else " +
      "(a look-alike such as evil-github.com, another forge, a local path, a remote helper such as ext::) is an unknown " +
      "destination, DENY for writes and ASK for reads, whatever the rules; so is an address git configuration rewrites " +
      "(url.*.insteadOf, remote.*.url), on the command line or earlier in the script. A remote added earlier in the same script " +
      "(git remote add/set-url, git config remote.x.url) is judged by its URL. A tool of a GitHub MCP server (mcp__github__*) " +
      "that is not in its catalog is DENY. Missing information a rule needs is DENY when the agent could have given it (a remote " +
      "named origin rather than its URL, gh without -R, git push with no refspec or HEAD, a write tool without its branch, a pull " +
      "request without its base): it can ask again with it named. The one thing no call can carry, the base branch of a pull " +
      "request merged by number (gh pr merge, merge_pull_request), answers merge_without_base. ASK " +
      "for git subcommands that are not git's own and gh " +
      "commands that are not gh's (aliases, extensions) while any rule applies, for git or gh among the arguments of a program " +
      "it cannot read (a runner nobody listed), and for shell commands that cannot be analysed. ALLOW otherwise for GitHub " +
      "tools and git/gh commands; no opinion on anything else.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        read_repos: GLOBS("Repositories (owner/repo) the agent may access at all.", '["myorg/*"]'),
        write_repos: GLOBS("Repositories (owner/repo) the agent may write to.", '["myorg/sandbox-*"]'),
        write_branches: GLOBS("Branches the agent may write to (push, commit files, merge into).", '["feature/*", "agent/*"]'),
        deny_force_push: { type: "boolean", default: true, description: "Deny force pushes (history rewrites) everywhere." },
        allow_destructive: { type: "boolean", default: false, description: "Allow deleting repositories, branches, tags and releases, and DELETE calls through gh api." },
        merge_without_base: {
          type: "string", enum: ["ASK", "DENY"], default: "ASK",
          description: "The verdict, while write_branches is set, for merging a pull request whose base branch the call cannot name (gh pr merge N, merge_pull_request without base). ASK by default: unlike a missing remote URL or refspec, no agent can supply it, so DENY forbids every such merge; DENY for the strict reading.",
        },
        enterprise_hosts: {
          type: "array", maxItems: 50, uniqueItems: true, items: { type: "string", minLength: 1, maxLength: 253, pattern: "^[^*\\s/]+$" },
          examples: [["github.example.com"]],
          description: "Host names of GitHub Enterprise servers (exactly these hosts, not their subdomains) that count as GitHub besides github.com and www.github.com. Add ssh.github.com here if the agent pushes over ssh on port 443.",
        },
        shell_tools: SHELL_TOOLS_PARAM,
      },
    },
  },
];
