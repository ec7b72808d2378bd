import { describe, expect, it } from "vitest";
import { run, toolCall } from "../helpers/builtins.ts";

const bash = (command: string) => toolCall("bash", { command });
const MINE = { read_repos: ["me/*"], write_repos: ["me/sandbox-*"], write_branches: ["feature/*", "agent/*"] };

describe("github: tool calls", () => {
  it.each([
    // reads
    [MINE, "get_file_contents", { owner: "me", repo: "app", path: "README.md" }, "ALLOW"],
    [MINE, "get_file_contents", { owner: "other", repo: "app", path: "README.md" }, "DENY"],
    [MINE, "github_list_commits", { repository: "Other/App" }, "DENY"],
    [MINE, "mcp__github__get_issue", { repo: "me/app", issue_number: 1 }, "ALLOW"],
    [MINE, "gh_get_pull_request", { repo: "https://github.com/other/app" }, "DENY"],
    [MINE, "search_code", { query: "token repo:me/app" }, "ALLOW"],
    [MINE, "search_code", { query: "token repo:other/app" }, "DENY"],
    [MINE, "search_repositories — no repo qualifier: the agent can add one, so DENY", { query: "palisade" }, "DENY"],
    [MINE, "get_me", {}, "ALLOW"],
    [{ write_repos: ["me/*"] }, "get_file_contents", { owner: "other", repo: "x", path: "a" }, "ALLOW"],
    // writes: repos and branches
    [MINE, "push_files", { owner: "me", repo: "sandbox-1", branch: "feature/x", files: [] }, "ALLOW"],
    [MINE, "push_files", { owner: "me", repo: "sandbox-1", branch: "main", files: [] }, "DENY"],
    [MINE, "push_files", { owner: "me", repo: "app", branch: "feature/x", files: [] }, "DENY"],
    [MINE, "create_or_update_file", { owner: "me", repo: "sandbox-1", path: "a", branch: "refs/heads/agent/1" }, "ALLOW"],
    [MINE, "create_or_update_file — default branch: the agent can name one, so DENY", { owner: "me", repo: "sandbox-1", path: "a" }, "DENY"],
    [MINE, "create_branch", { owner: "me", repo: "sandbox-1", branch: "release" }, "DENY"],
    [MINE, "create_pull_request — base outside write_branches", { owner: "me", repo: "sandbox-1", head: "feature/x", base: "main", title: "t" }, "DENY"],
    [MINE, "create_pull_request", { owner: "me", repo: "sandbox-1", head: "feature/x", base: "agent/1", title: "t" }, "ALLOW"],
    [MINE, "merge_pull_request — base branch unknown, so ASK", { owner: "me", repo: "sandbox-1", pull_number: 3 }, "ASK"],
    [MINE, "merge_pull_request", { owner: "me", repo: "sandbox-1", pull_number: 3, base: "main" }, "DENY"],
    [MINE, "github_create_issue — no repository, so DENY", { title: "t" }, "DENY"],
    [MINE, "githubCreateIssue", { owner: "me", repo: "sandbox-2", title: "t" }, "ALLOW"],
    [{ read_repos: ["me/*"] }, "create_issue", { owner: "other", repo: "x", title: "t" }, "DENY"],
    [{}, "create_issue", { owner: "anyone", repo: "x", title: "t" }, "ALLOW"],
    // destructive and force
    [{}, "delete_branch", { owner: "me", repo: "x", branch: "old" }, "DENY"],
    [{ allow_destructive: true }, "delete_branch", { owner: "me", repo: "x", branch: "old" }, "ALLOW"],
    [{ allow_destructive: true, write_branches: ["feature/*"] }, "delete_branch", { owner: "me", repo: "x", branch: "main" }, "DENY"],
    [{}, "mcp__github__delete_repository", { repository: "me/x" }, "DENY"],
    [{}, "github_update_ref", { owner: "me", repo: "x", ref: "refs/heads/main", sha: "abc", force: true }, "DENY"],
    [{ deny_force_push: false }, "github_update_ref", { owner: "me", repo: "x", ref: "refs/heads/main", sha: "abc", force: true }, "ALLOW"],
    // not GitHub
    [MINE, "delete_file", { path: "/tmp/x" }, null],
    [MINE, "read_file", { path: "/tmp/x" }, null],
  ] as const)("%j %s %j → %s", async (params, tool, args, result) => {
    const outcome = await run("github", { ...params }, toolCall(tool.split(" — ")[0]!, { ...args }));
    expect(outcome.error).toBeNull();
    expect(outcome.result).toBe(result);
  });
});

describe("github: git and gh in shell tools", () => {
  it.each([
    // force push variants
    [{}, "git push origin main --force", "DENY"],
    [{}, "git push --force-with-lease origin feature/x", "DENY"],
    [{}, "git push -f", "DENY"],
    [{}, "git push -uf origin main", "DENY"],
    [{}, "git push origin +main", "DENY"],
    [{}, "git push origin +HEAD:refs/heads/main", "DENY"],
    [{}, "git push --mirror git@github.com:me/x.git", "DENY"],
    [{}, "cd repo && sudo git -C . push -f origin main", "DENY"],
    [{}, "bash -c 'git push --force'", "DENY"],
    [{}, "git -c alias.p='push -f' p origin main", "DENY"],
    [{}, "gh api repos/me/x/git/refs/heads/main -X PATCH -f sha=abc -F force=true", "DENY"],
    [{ deny_force_push: false }, "git push -f origin feature/x", "ALLOW"],
    [{}, "git push --dry-run -f origin main", "ALLOW"],
    // destructive
    [{}, "git push origin :old-branch", "DENY"],
    [{}, "git push origin --delete old-branch", "DENY"],
    [{}, "git push --prune origin", "DENY"],
    [{}, "gh repo delete me/x --yes", "DENY"],
    [{}, "gh api -X DELETE repos/me/x/git/refs/heads/old", "DENY"],
    [{}, "gh api --method=DELETE /repos/me/x", "DENY"],
    [{}, "gh release delete v1 -y", "DENY"],
    [{}, "gh pr merge 7 --squash --delete-branch", "DENY"],
    [{ allow_destructive: true }, "gh repo delete me/x --yes", "ALLOW"],
    [{ allow_destructive: true }, "git push origin --delete old-branch", "ALLOW"],
    // repositories
    [MINE, "git clone https://github.com/me/app", "ALLOW"],
    [MINE, "git clone git@github.com:other/app.git", "DENY"],
    [MINE, "gh api repos/other/app/contents/README.md", "DENY"],
    [MINE, "gh pr view https://github.com/other/app/pull/3", "DENY"],
    [MINE, "gh issue list -R me/app", "ALLOW"],
    [MINE, "gh issue list -Rme/app", "ALLOW"],
    [MINE, "gh issue list --repo=other/app", "DENY"],
    [MINE, "gh issue create -R me/app -t x", "DENY"],
    [MINE, "gh issue create -R me/sandbox-1 -t x", "ALLOW"],
    [MINE, "gh repo create me/sandbox-9 --private", "ALLOW"],
    [MINE, "gh repo create me/prod --private", "DENY"],
    [MINE, "git push https://github.com/me/sandbox-1.git feature/x", "ALLOW"],
    [MINE, "git push https://github.com/me/app.git feature/x", "DENY"],
    [MINE, "git push git@github.com:other/x.git feature/x", "DENY"],
    // branches
    [{ write_branches: ["feature/*"] }, "git push origin feature/login", "ALLOW"],
    [{ write_branches: ["feature/*"] }, "git push origin main", "DENY"],
    [{ write_branches: ["feature/*"] }, "git push origin HEAD:main", "DENY"],
    [{ write_branches: ["feature/*"] }, "git push -u origin feature/a main", "DENY"],
    [{ write_branches: ["feature/*"] }, "git push origin refs/heads/feature/a", "ALLOW"],
    [{ write_branches: ["feature/*"] }, "git push origin v1.0:refs/tags/v1.0", "ALLOW"],
    [{ write_branches: ["feature/*"] }, "git push origin --tags", "ALLOW"],
    // information missing that the agent could give → DENY; that no call can carry → ASK
    [{ write_branches: ["feature/*"] }, "git push — current branch unknown, so DENY", "DENY"],
    [{ write_branches: ["feature/*"] }, "git push origin — current branch unknown, so DENY", "DENY"],
    [{ write_branches: ["feature/*"] }, "git push origin HEAD — current branch unknown, so DENY", "DENY"],
    [{ write_branches: ["feature/*"] }, "git push origin $BRANCH — dynamic branch, so DENY", "DENY"],
    [{ write_branches: ["feature/*"] }, "gh pr merge 3 — base branch unknown, so ASK", "ASK"],
    [{ write_repos: ["me/*"] }, "git push origin feature/x — remote name, repo unknown, so DENY", "DENY"],
    [{ read_repos: ["me/*"] }, "git pull — remote repo unknown, so DENY", "DENY"],
    [{ read_repos: ["me/*"] }, "gh pr list — repo from cwd, so DENY", "DENY"],
    [{}, "$(echo git) push -f — dynamic program, so ASK", "ASK"],
    [{}, "git push 'unterminated — parse error, so ASK", "ASK"],
    [{}, "git config alias.p 'push --force'; git p https://github.com/other/x +main — an alias, so ASK", "ASK"],
    [{}, "git lg — maybe an alias, so ASK", "ASK"],
    [{}, "git send-pack https://github.com/other/x +main — not a subcommand it knows, so ASK", "ASK"],
    [{ deny_force_push: false, allow_destructive: true }, "git lg", "ALLOW"],
    [{}, "GIT_CONFIG_PARAMETERS=\"'core.sshcommand'='git push -f'\" git fetch — unreadable config, so ASK", "ASK"],
    // commands git runs from its environment
    [{}, "GIT_SSH_COMMAND='git push -f' git fetch", "DENY"],
    [{}, "env GIT_PAGER='git push -f' git log", "DENY"],
    [{}, "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.sshCommand GIT_CONFIG_VALUE_0='git push -f' git fetch", "DENY"],
    // no restriction applies
    [{}, "git push origin main", "ALLOW"],
    [{}, "git push", "ALLOW"],
    [{}, "git status && git log -3", "ALLOW"],
    [{}, "gh pr create --fill", "ALLOW"],
    // unrelated
    [MINE, "ls -la", null],
    [MINE, 'echo "git push -f"', null],
  ] as const)("%j %s → %s", async (params, command, result) => {
    const outcome = await run("github", { ...params }, bash(command.split(" — ")[0]!));
    expect(outcome.error).toBeNull();
    expect(outcome.result).toBe(result);
  });

  it("asks about a command argument it cannot read", async () => {
    const outcome = await run("github", {}, toolCall("bash", { command: "git", args: ["push", 5, "-f"] }));
    expect(outcome.error).toBeNull();
    expect(outcome.result).toBe("ASK");
    expect((await run("github", {}, toolCall("bash", { command: "git", args: "push -f" }))).result).toBe("DENY");
  });

  it("says why", async () => {
    expect((await run("github", {}, bash("$(echo git) push -f"))).reason).toMatch(/^Cannot tell what .* runs\. It may touch GitHub\./);
    expect((await run("github", {}, bash("git push -f origin main"))).reason).toMatch(/^Force push is not allowed/);
    expect((await run("github", MINE, bash("git push origin main"))).reason).toMatch(/Branch main is not in write_branches|Cannot tell which repository/);
    expect((await run("github", MINE, toolCall("get_file_contents", { owner: "x", repo: "y" }))).reason).toBe("Repository x/y is not in read_repos (get_file_contents on x/y).");
  });

  it("abstains on other events and refuses bad params", async () => {
    expect((await run("github", {}, { type: "response", data: { content: "git push -f" } })).result).toBeNull();
    await expect(run("github", { read_repos: ["has space"] }, bash("ls"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
    await expect(run("github", { deny_force_push: "yes" }, bash("ls"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
    await expect(run("github", { unknown: 1 }, bash("ls"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
  });
});
