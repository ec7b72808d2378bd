// blast_radius over one parse: each command's check, with what every command shares (a
// privileged runner, a download piped into a shell, a fork bomb, writes to a device, a checked
// command among the arguments of a program the policy does not know).
import { argumentCommands, moduleCommand, operands, redirections, shown, visitCommands, type Finding } from "../shell-call.ts";
import type { ShellParse, SimpleCommand } from "../shell/index.ts";
import { isDevice, nextCwd, relative } from "../system-paths.ts";
import { checkFor } from "./checks.ts";

/** `tag`: a push of tags, which blast_radius answers as its deny_tag_push says. */
export type Blast = Finding<"catastrophic" | "risky" | "tag">;

const PRIVILEGED = new Set(["sudo", "doas", "su", "runuser", "pkexec"]);
const DOWNLOADERS = new Set(["curl", "wget", "fetch", "http", "https", "xh", "aria2c", "lwp-request", "nc", "ncat"]);
const PRINTS = new Set(["echo", "printf"]);
// A command substitution that runs a downloader: `$(curl …)`, `` `wget -qO- …` ``.
const DOWNLOAD_SUBSTITUTION = /(?:\$\(|`)\s*(?:[\w.-]*\/)*(curl|wget|fetch|xh|aria2c|lwp-request|nc|ncat)\b/;
// All of the positional parameters: `$@`, `$*`, `${@}`, `${arr[@]}`.
const POSITIONAL_ALL = /\$(?:[@*]|\{[@*]\}|\{[A-Za-z_][A-Za-z0-9_]*\[[@*]\]\})/;

// A program this policy does not know may run its arguments as a command (`firejail rm -rf /`,
// a runner nobody listed): what would be catastrophic there is risky here.
function runsArguments(c: SimpleCommand, risky: (r: string) => void, inCwd: (p: string) => string | null): void {
  for (const inner of argumentCommands(c, (name) => checkFor(name) !== undefined)) {
    const may = (r: string) => risky(`${c.name} may run ${shown(inner.argv)}: ${r}`);
    checkFor(inner.name)!(inner, may, () => {}, inCwd, may);
  }
}

/** The downloader at the start of the pipe into `c`, if any. */
function downloadInto(commands: SimpleCommand[], c: SimpleCommand): string | null {
  const seen = new Set<number>();
  const queue = [...c.pipedFrom];
  while (queue.length > 0 && seen.size < 64) {
    const i = queue.shift()!;
    if (seen.has(i)) continue;
    seen.add(i);
    const from = commands[i]!;
    if (DOWNLOADERS.has(from.name)) return from.name;
    queue.push(...from.pipedFrom);
  }
  return null;
}

export function blastFindings(parse: ShellParse): Blast[] {
  const found: Blast[] = [];
  const cat = (reason: string) => found.push({ level: "catastrophic", reason });
  const risky = (reason: string) => found.push({ level: "risky", reason });
  const tag = (reason: string) => found.push({ level: "tag", reason });
  let cwd: string | null = null;
  const inCwd = (path: string) => (cwd !== null && relative(path) ? `${cwd}/${path}` : null);
  // A download piped into a shell is the finding, whether or not its script can be seen.
  const download = (c: SimpleCommand) => {
    const from = c.runsStdin ? downloadInto(parse.commands, c) : null;
    if (from) risky(`Pipes a download from ${from} into ${c.name}.`);
    return from !== null;
  };
  // A command xargs completes from its input has arguments nobody here sees (`-rf /` may be
  // among them): from a download that is catastrophic for a command it checks; from an
  // input it cannot see (the caller's, a file), risky.
  // So does one whose arguments are a download's output (`rm $(curl …)`), or the script's own
  // arguments (`"$@"`), which may be any flags at all.
  const unseenArguments = (c: SimpleCommand) => {
    if (!c.dynamicArgs || checkFor(c.name) === undefined) return;
    const substituted = c.argv.slice(1).find((a) => DOWNLOAD_SUBSTITUTION.test(a))?.match(DOWNLOAD_SUBSTITUTION)?.[1];
    if (substituted) cat(`${c.name} takes its arguments from a download (${substituted}) (catastrophic): ${shown(c.argv)}.`);
    else if (c.argv.slice(1).some((a) => POSITIONAL_ALL.test(a))) risky(`${c.name} takes the arguments the script is given, which may be any flags: ${shown(c.argv)}.`);
    if (!c.wrappers.includes("xargs")) return;
    const from = downloadInto(parse.commands, c);
    if (from) cat(`${c.name} takes its arguments from a download (${from}) through xargs (catastrophic): ${shown(c.argv)}.`);
    else if (c.pipedFrom.length === 0) risky(`${c.name} takes its arguments through xargs from an input nobody can see: ${shown(c.argv)}.`);
  };
  for (const r of redirections(parse)) if (r.write && isDevice(r.target)) cat(`Write to device ${r.target} (catastrophic).`);
  visitCommands(parse, (c) => {
    if (c.name === "cd") cwd = nextCwd(cwd, operands(c.argv)[0]);
    download(c);
    if (c.argv.length === 0) return;
    const priv = [...c.wrappers, c.name].find((w) => PRIVILEGED.has(w));
    if (priv) risky(`Runs with ${priv}: ${shown(c.argv)}.`);
    if (c.inFunction !== null && c.name === c.inFunction && (c.background || c.pipedTo.length > 0 || c.pipedFrom.length > 0)) {
      cat(`Fork bomb: function ${c.name} starts copies of itself (catastrophic).`);
    }
    unseenArguments(c);
    const cmd = moduleCommand(c) ?? c;
    const check = checkFor(cmd.name);
    if (check) check(cmd, cat, risky, inCwd, tag);
    else if (!PRINTS.has(cmd.name)) runsArguments(cmd, risky, inCwd);
  }, (reason, c) => {
    if (!c || !download(c)) risky(reason);
  });
  return found;
}
