// git and gh commands in shell tools as the GitHub operations they perform (git-ops.ts,
// gh-ops.ts), judged by the rules; and git or gh among the arguments of a program this policy
// cannot read (a runner nobody listed, a wrapper with options it does not know), asked about.
import { argumentCommands, shown, visitCommands } from "../shell-call.ts";
import type { ShellParse, SimpleCommand } from "../shell/index.ts";
import { READ } from "../read-only/tables.ts";
import { ghOps } from "./gh-ops.ts";
import { gitOps, type Remotes } from "./git-ops.ts";
import { judge, type Finding, type Rules } from "./rules.ts";

const isGit = (name: string) => name === "git" || name === "gh";
// A word that may name git or gh (`git`, `/usr/bin/gh`): cheaper than argumentCommands.
const namesGit = (w: string) => w.endsWith("git") || w.endsWith("gh");

export function shellFindings(parse: ShellParse, rules: Rules, hosts: ReadonlySet<string>): { findings: Finding[]; relevant: boolean } {
  const findings: Finding[] = [];
  const remotes: Remotes = { urls: new Map(), rewritten: false };
  const opsOf = (c: SimpleCommand) => (c.name === "git" ? gitOps(c, hosts, remotes) : ghOps(c, hosts));
  let relevant = false;
  visitCommands(parse, (c) => {
    if (isGit(c.name)) {
      relevant = true;
      for (const op of opsOf(c)) findings.push(...judge(op, rules));
      return;
    }
    // Programs that only read (grep git, echo gh) run nothing from their arguments.
    if (READ.has(c.name) || !c.argv.some(namesGit)) return;
    for (const inner of argumentCommands(c, isGit)) {
      const ops = opsOf(inner);
      if (ops.length === 0) continue;
      relevant = true;
      const found = ops.flatMap((op) => judge(op, rules));
      for (const f of found) findings.push({ level: "ask", reason: `${c.name} may run ${shown(inner.argv)}: ${f.reason}` });
      if (found.length === 0) findings.push({ level: "ask", reason: `Cannot tell whether ${c.name} runs ${shown(inner.argv)}.` });
    }
  }, (reason) => {
    relevant = true;
    findings.push({ level: "ask", reason: `${reason} It may touch GitHub.` });
  });
  return { findings, relevant };
}
