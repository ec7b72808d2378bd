// Policies over the commands an agent runs in a shell tool: blast_radius denies what would
// wreck a machine and asks before what is risky; read_only denies anything that writes.
// Both see through quoting, chains, subshells, `sh -c`, `eval`, sudo and other wrappers (see
// lib/shell/), and never ALLOW a command whose program they cannot see. What each checks in a
// command is in lib/blast/ and lib/read-only/.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { blastFindings } from "./lib/blast/findings.ts";
import { compileGlobs, globListSchema } from "./lib/glob.ts";
import { readOnlyFindings } from "./lib/read-only/judges.ts";
import { DEFAULT_WRITE_TOOLS } from "./lib/read-only/write-tools.ts";
import { DEFAULT_SHELL_TOOLS, SHELL_TOOLS_PARAM, shellParses, worst } from "./lib/shell-call.ts";

export function blast_radius({ risky_action = "ASK", deny_tag_push = true, shell_tools = DEFAULT_SHELL_TOOLS }: { risky_action?: "ASK" | "DENY"; deny_tag_push?: boolean; shell_tools?: string[] }) {
  const isShell = compileGlobs(shell_tools);
  // A tag push is catastrophic when deny_tag_push, else one more risky push.
  const tagLevel = deny_tag_push ? "catastrophic" : "risky";
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call" || !isShell(event.data.name)) return null;
    const { parses, problem } = shellParses(event.data.arguments);
    if (problem) return { result: risky_action, reason: problem };
    const findings = parses.flatMap(blastFindings).map((f) => (f.level === "tag" ? { ...f, level: tagLevel } : f));
    const w = worst(findings, ["catastrophic", "risky"] as const);
    if (!w) return { result: "ALLOW" };
    return { result: w.level === "catastrophic" ? "DENY" : risky_action, reason: w.reason };
  };
}

export function read_only({ write_tools = DEFAULT_WRITE_TOOLS, shell_tools = DEFAULT_SHELL_TOOLS }: { write_tools?: string[]; shell_tools?: string[] }) {
  const isWrite = compileGlobs(write_tools);
  const isShell = compileGlobs(shell_tools);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    const tool = event.data.name;
    if (isWrite(tool)) return { result: "DENY", reason: `Tool ${tool} writes; this agent is read-only.` };
    if (!isShell(tool)) return null;
    const { parses, problem } = shellParses(event.data.arguments);
    if (problem) return { result: "ASK", reason: problem };
    const w = worst(parses.flatMap(readOnlyFindings), ["write", "unknown"] as const);
    if (!w) return { result: "ALLOW" };
    return w.level === "write" ? { result: "DENY", reason: `Read-only: ${w.reason}` } : { result: "ASK", reason: w.reason };
  };
}

// ---- registry ----------------------------------------------------------------------------

export const SHELL_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.blast_radius", kind: "factory", name: "Shell Blast Radius",
    description:
      "Checks the commands a shell tool would run, seeing through quoting, chains, subshells, sh -c, eval, sudo and other wrappers, " +
      "printf and echo escapes piped into a shell, the commands git runs from its arguments (submodule foreach, rebase --exec/-x, " +
      "bisect run, difftool -x/--extcmd, filter-branch filters, --upload-pack), and values variables were given in the same script " +
      "(X=rm; $X -rf / is judged as rm -rf / too) and aliases defined there (alias x=rm; x -rf /). " +
      "DENY for catastrophic commands: recursive delete (rm -r/-R/--recursive in any flag order) of /, /*, ~, $HOME, ., .., * or a " +
      "system directory (the OS's own trees down to their third level: /usr/local/lib, /etc/ssh; /home, /var, /opt and the other " +
      "top-level directories down to their second: /home/alice, /var/lib; a glob as wide: /home/*/.ssh), or with --no-preserve-root; mkfs and friends; dd of=/dev/…, " +
      "redirects, tee or cp to a disk device; fork bombs; recursive chmod/chown/chgrp of a system path; moving a system path; find -delete starting in a system directory; shred or " +
      "wipefs of a device; git force pushes (--force, -f, --force-with-lease, +ref, --mirror, in any flag cluster or abbreviation such " +
      "as -uf or --forc, dry run or not), pushes that delete remote branches (--delete, -d, :ref, --prune), git reset --hard, gh repo delete; " +
      "tag pushes (--tags, --follow-tags, refs/tags/…, tag NAME) when deny_tag_push; a command it checks (rm, chmod, git, …) whose " +
      "arguments come from a download (curl … | xargs rm, rm $(curl …)). " +
      "risky_action (ASK by default) for risky commands: any other recursive delete, other git pushes, " +
      "git clean -f, gh pr merge, deletes through gh, a download piped into a shell or interpreter (curl … | sh), sudo/doas/su, " +
      "publishing packages or images (npm/pnpm/yarn publish, twine upload, cargo publish, gem push, docker push, …), kubectl delete, " +
      "helm uninstall, terraform destroy/apply, find -delete, shred, a command it checks whose arguments xargs reads from an input " +
      "nobody sees (xargs rm < list) or that takes the script's own arguments (rm \"$@\"), a catastrophic command among the arguments of a program it does not know (`bwrap … rm -rf /`); and for " +
      "commands it cannot see (a variable or substitution as the program, even one given a value in the script, since the variable " +
      "may hold another; `bash -c \"$X\"`, a shell reading its script from a pipe, a file or its input), that do not parse, or that are " +
      "over 64 KiB. ALLOW otherwise. Other tools: no opinion.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        risky_action: { type: "string", enum: ["ASK", "DENY"], default: "ASK", description: "The verdict for risky (not catastrophic) commands and for commands that cannot be analysed." },
        deny_tag_push: {
          type: "boolean", default: true,
          description: "Deny git pushes that name tags (--tags, --follow-tags, refs/tags/…, tag NAME): tags start releases and deploys, and a pushed tag is hard to take back. Off, they are risky pushes like any other. `git push origin v1.0` cannot be told from a branch push and is an ordinary push.",
        },
        shell_tools: SHELL_TOOLS_PARAM,
      },
    },
  },
  {
    handler: "palisade.builtins.read_only", kind: "factory", name: "Read-Only Agent",
    description:
      "Keeps an agent from changing anything. DENY for calls to write tools (by name) and for shell commands that write: file " +
      "commands (rm, mv, cp, mkdir, touch, ln, chmod, tee, dd of=, sed -i, sort -o, …), redirects to files (> and >> other than " +
      "/dev/null), git commands that change the repository (commit, push, merge, rebase, reset, checkout, branch -d, …), package " +
      "installs, gh/curl/wget calls that send data or save files, service and process control. ASK for commands it does not know " +
      "as read-only (scripts, interpreters, build tools, git aliases) and for commands it cannot see or parse. ALLOW for read-only " +
      "commands (ls, cat, grep, find without -delete, git status/log/diff, …). Other tools: no opinion.",
    params_schema: {
      type: "object", additionalProperties: false,
      properties: {
        write_tools: globListSchema("Names (or glob patterns, * and ?, case-insensitive) of tools that write; every call to one is denied.", { default: DEFAULT_WRITE_TOOLS, minItems: 0 }),
        shell_tools: SHELL_TOOLS_PARAM,
      },
    },
  },
];
