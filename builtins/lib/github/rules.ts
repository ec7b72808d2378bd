// The rules of the github policy over one GitHub operation, however it was found (a tool
// call, a git or gh command): which findings it gives, deny or ask.
import type { Matcher } from "../glob.ts";
import type { Finding as Found } from "../shell-call.ts";

/**
 * One GitHub operation. `repo` and `branch`: a name when known, null when it matters but cannot
 * be told (a remote called `origin`, `git push` with no refspec), undefined when not relevant.
 */
export interface Op {
  /** `unknown`: a git alias or add-on, which could do anything to any repository. */
  kind: "read" | "write" | "destructive" | "unknown";
  what: string;
  repo: string | null | undefined;
  branch?: string | null | undefined;
  force?: boolean;
}

export interface Rules { read?: Matcher; write?: Matcher; branches?: Matcher; denyForce: boolean; allowDestructive: boolean }
export type Finding = Found<"deny" | "ask">;

export function judge(op: Op, rules: Rules): Finding[] {
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

/** A branch name from a ref: `refs/heads/x` is x; other refs (tags, notes) are no branch. */
export const branchName = (v: string): string | undefined => (v.startsWith("refs/heads/") ? v.slice(11) : v.startsWith("refs/") ? undefined : v);
