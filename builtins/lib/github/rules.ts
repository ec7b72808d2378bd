// The rules of the github policy over one GitHub operation, however it was found (a tool
// call, a git or gh command): which findings it gives, deny or ask.
import type { Matcher } from "../glob.ts";
import type { Finding as Found } from "../shell-call.ts";

/**
 * One GitHub operation. `repo` and `branch`: a name when known, null when it matters but cannot
 * be told (a remote called `origin`, `git push` with no refspec), undefined when not relevant.
 *
 * Missing information is DENY where a rule needs it and the agent could have given it (a
 * remote's URL instead of its name, `-R owner/repo`, a refspec, a base branch): the agent can
 * ask again with it named, and a person is not asked to guess. It is ASK only where no call
 * can carry it (`branchUnknowable`: the base of a pull request merged by number), as the
 * merge_without_base param says.
 */
export interface Op {
  /** `unknown`: a git alias or add-on, which could do anything to any repository.
   *  `unlisted`: a tool of a GitHub MCP server that is not in its catalog (catalog.ts). */
  kind: "read" | "write" | "destructive" | "unknown" | "unlisted";
  what: string;
  repo: string | null | undefined;
  branch?: string | null | undefined;
  branchUnknowable?: boolean;
  force?: boolean;
  /** Set when the operation goes somewhere that is not GitHub: the host (or what it is). */
  elsewhere?: string;
}

export interface Rules {
  read?: Matcher; write?: Matcher; branches?: Matcher; denyForce: boolean; allowDestructive: boolean;
  /** The verdict for a write whose branch no call can name (merge_without_base). */
  unknowableBranch: "ask" | "deny";
}
export type Finding = Found<"deny" | "ask">;

export function judge(op: Op, rules: Rules): Finding[] {
  const out: Finding[] = [];
  const deny = (reason: string) => out.push({ level: "deny", reason });
  const ask = (reason: string) => out.push({ level: "ask", reason });
  if (op.kind === "unlisted") {
    deny(`${op.what} is not a GitHub tool this policy knows, so it cannot tell what it does.`);
    return out;
  }
  if (op.kind === "unknown") {
    if (rules.read || rules.write || rules.branches || rules.denyForce || !rules.allowDestructive) ask(`Cannot tell what ${op.what} does (a git alias?).`);
    return out;
  }
  if (op.force && rules.denyForce) deny(`Force push is not allowed: ${op.what}.`);
  if (op.kind === "destructive" && !rules.allowDestructive) deny(`Destructive operation is not allowed: ${op.what}.`);
  const writing = op.kind !== "read";
  // Only GitHub hosts name GitHub repositories: anywhere else is outside every rule here.
  if (op.elsewhere !== undefined) {
    const where = `${op.elsewhere}, which is not GitHub (github.com, www.github.com or enterprise_hosts)`;
    if (writing) deny(`${op.what} writes to ${where}.`);
    else ask(`${op.what} reads from ${where}.`);
  } else if (op.repo === null) {
    if (rules.read || (writing && rules.write)) deny(`Cannot tell which repository ${op.what} ${writing ? "writes to" : "reads"}: name it (a github.com URL, or -R owner/repo).`);
  } else if (op.repo !== undefined) {
    // read_repos limits every access; write_repos further limits writes.
    if (rules.read && !rules.read(op.repo) && !rules.write?.(op.repo)) deny(`Repository ${op.repo} is not in read_repos (${op.what}).`);
    else if (writing && rules.write && !rules.write(op.repo)) deny(`Repository ${op.repo} is not in write_repos (${op.what}).`);
  }
  if (writing && rules.branches && op.branch !== undefined) {
    if (op.branch === null && op.branchUnknowable) out.push({ level: rules.unknowableBranch, reason: `Cannot tell which branch ${op.what} writes to (merge_without_base).` });
    else if (op.branch === null) deny(`Cannot tell which branch ${op.what} writes to: name it.`);
    else if (!rules.branches(op.branch)) deny(`Branch ${op.branch} is not in write_branches (${op.what}).`);
  }
  return out;
}

/** A branch name from a ref: `refs/heads/x` is x; other refs (tags, notes) are no branch. */
export const branchName = (v: string): string | undefined => (v.startsWith("refs/heads/") ? v.slice(11) : v.startsWith("refs/") ? undefined : v);
