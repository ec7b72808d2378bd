// What the shell and GitHub policies share: which tools are shells, how to read the command
// out of a shell tool's arguments, how to walk what it runs, and small readers over a parsed
// command's argv.
import { globListSchema } from "./glob.ts";
import { MAX_SCRIPT, basename, parseShell, shellQuote as quote, type ShellParse, type SimpleCommand } from "./shell/index.ts";

export const DEFAULT_SHELL_TOOLS = [
  "bash", "bash_*", "*_bash", "sh", "zsh", "shell", "shell_*", "*_shell", "terminal", "terminal_*", "*_terminal",
  "exec", "exec_command", "run_command", "execute_command", "run_shell_command", "run_terminal_cmd", "run_in_terminal", "local_shell",
];

export const SHELL_TOOLS_PARAM = globListSchema(
  "Names (or glob patterns, * and ?, case-insensitive) of the tools that run shell commands. The command is read from the " +
    "arguments `command`, `cmd`, `script` (a string, or an array of strings: an argv), `commands` (a string or an array, each a " +
    "script or an argv), and `args`/`argv` (a string or an array of strings: appended to `command`/`cmd` when one is given, else " +
    "the whole command). An argument of any other shape cannot be checked.",
  { default: DEFAULT_SHELL_TOOLS, minItems: 1 },
);

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/**
 * The scripts a shell tool call would run. An argv array is read two ways, as exec would run
 * it (each element one word) and as a tool that joins it with spaces for a shell would, so
 * both meanings are checked. `tooLong` when they add up to more than a parse may take;
 * `unreadable` names an argument of a shape no tool can be assumed to ignore.
 */
export function commandScripts(args: Record<string, unknown> | undefined): { scripts: string[]; tooLong: boolean; unreadable: string | null } {
  const a = args ?? {};
  const scripts: string[] = [];
  let unreadable: string | null = null;
  // A string is shell text; an array of strings is an argv (read both ways).
  const add = (v: string | string[], prefix = "") => {
    if (typeof v === "string") scripts.push(prefix + v);
    else scripts.push(prefix + v.map(quote).join(" "), prefix + v.join(" "));
  };
  const read = (key: string): string | string[] | undefined => {
    const v = a[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string" || strings(v)) return v;
    unreadable ??= key;
    return undefined;
  };
  const heads = ["command", "cmd"].map(read).filter((v) => v !== undefined);
  const tails = ["args", "argv"].map(read).filter((v) => v !== undefined);
  const script = read("script");
  if (script !== undefined) add(script);
  const [head] = heads;
  if (head === undefined || heads.length > 1 || tails.length === 0) for (const v of [...heads, ...tails]) add(v);
  else for (const tail of tails) {
    if (typeof head === "string") add(tail, `${head} `);
    else if (typeof tail === "string") scripts.push(`${head.map(quote).join(" ")} ${tail}`, `${head.join(" ")} ${tail}`);
    else add([...head, ...tail]);
  }
  const commands = a.commands;
  if (typeof commands === "string") scripts.push(commands);
  else if (Array.isArray(commands)) for (const c of commands) {
    if (typeof c === "string" || strings(c)) add(c);
    else unreadable ??= "commands";
  } else if (commands !== undefined && commands !== null) unreadable ??= "commands";
  const total = scripts.reduce((n, s) => n + s.length, 0);
  return { scripts: total > 2 * MAX_SCRIPT ? [] : scripts, tooLong: total > 2 * MAX_SCRIPT || scripts.some((s) => s.length > MAX_SCRIPT), unreadable };
}

/**
 * The parsed scripts of a shell tool call, or the reason there is nothing a policy can judge
 * (no command among the arguments, an argument of an unknown shape, or too much of it to
 * parse within the time limit).
 */
export function shellParses(args: Record<string, unknown> | undefined): { parses: ShellParse[]; problem: string | null } {
  const { scripts, tooLong, unreadable } = commandScripts(args);
  if (unreadable !== null) return { parses: [], problem: `The tool argument \`${unreadable}\` is neither a string nor an array of strings; cannot tell what runs.` };
  if (tooLong) return { parses: [], problem: `The command is longer than ${MAX_SCRIPT} characters; too long to check.` };
  if (scripts.length === 0) return { parses: [], problem: "No command found in the tool arguments (command, cmd, script, commands, args)." };
  return { parses: scripts.map(parseShell), problem: null };
}

/**
 * Walks the commands of a parse for a shell policy: `seen` for each command it can read,
 * `unseen` with the reason for each it cannot (a dynamic command, passed along) and for a
 * parse that stopped part-way. A policy must not ALLOW what comes to `unseen`.
 */
export function visitCommands(parse: ShellParse, seen: (c: SimpleCommand) => void, unseen: (reason: string, c?: SimpleCommand) => void): void {
  for (const c of parse.commands) {
    if (c.dynamic) unseen(`Cannot tell what \`${shown(c.argv)}\` runs.`, c);
    else seen(c);
  }
  if (parse.error) unseen(`Could not fully parse the command (${parse.error}).`);
}

/** Operands of argv (argv[0] is the command): words that are not options or option values. */
export function operands(argv: readonly string[], withValue: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") return [...out, ...argv.slice(i + 1)];
    if (t.startsWith("-") && t.length > 1) {
      if (withValue.includes(t)) i++;
    } else out.push(t);
  }
  return out;
}

/** True when a short-option cluster or a long option in argv sets one of `short` letters / `long` names. */
export function hasFlag(argv: readonly string[], short: string, long: readonly string[] = []): boolean {
  for (const t of argv.slice(1)) {
    if (t === "--") return false;
    if (t.startsWith("--")) {
      const name = t.split("=")[0]!;
      if (long.includes(name)) return true;
    } else if (t.startsWith("-") && t.length > 1 && [...t.slice(1)].some((c) => short.includes(c))) return true;
  }
  return false;
}

/** Worst of several findings; reasons of the worst level, deduplicated and capped. */
export function worst<L extends string>(findings: { level: L; reason: string }[], order: readonly L[]): { level: L; reason: string } | null {
  if (findings.length === 0) return null;
  for (const level of order) {
    const reasons = new Set<string>();
    for (const f of findings) if (f.level === level) reasons.add(f.reason);
    if (reasons.size > 0) {
      const first = [...reasons].slice(0, 3).join(" ");
      return { level, reason: reasons.size > 3 ? `${first} (+${reasons.size - 3} more)` : first };
    }
  }
  return null;
}

/** A command shortened for a reason string. */
export const shown = (argv: readonly string[]) => {
  const s = argv.join(" ");
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** What a shell policy found, at one of its levels. */
export type Finding<L extends string> = { level: L; reason: string };

/** Each redirection once: a group's are on every command in it (`{ …; } > out`). */
export const redirections = (parse: ShellParse) => new Set(parse.commands.flatMap((c) => c.redirects));

// `python -m twine upload`, `python3 -m pip …`: judge the module as the command.
export function moduleCommand(c: SimpleCommand): SimpleCommand | null {
  const m = c.argv.indexOf("-m");
  if (!/^python[0-9.]*$/.test(c.name) || m < 0 || !c.argv[m + 1]) return null;
  return { ...c, name: c.argv[m + 1]!, argv: c.argv.slice(m + 1) };
}

/**
 * The commands a program may run from its arguments, for a program whose options nobody here
 * reads (a runner or wrapper nobody listed, or a listed one with options it does not know:
 * `firejail --x rm -rf /`): from each of the first few words that `knows` names, the rest of
 * the argv. A policy judges them, but not as surely as a command it sees run.
 */
export function argumentCommands(c: SimpleCommand, knows: (name: string) => boolean): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  for (let k = 1; k < c.argv.length && out.length < 4; k++) {
    const name = basename(c.argv[k]!);
    if (knows(name)) out.push({ ...c, name, argv: c.argv.slice(k) });
  }
  return out;
}
