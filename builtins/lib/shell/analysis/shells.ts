// Shells that run code they are handed: `sh -c STRING`, a script in a heredoc or here-string,
// or one piped in (`echo 'rm -rf /' | sh`), which is why pipes are linked here too.
import { parseInto } from "../grammar/index.ts";
import { MAX_PIPE_SIDE } from "../limits.ts";
import { fedBy, type Arg, type Ctx, type Flags, type Input, type Parser, type Redirect, type Shared, type SimpleCommand } from "../types.ts";
import { basename } from "../util.ts";
import { printedBy } from "./printed.ts";
import { push } from "./record.ts";

export const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "fish", "csh", "tcsh"]);
// Script operands that are the shell's own standard input.
export const STDIN_PATHS = new Set(["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]);

/** A shell (or `source`) that runs what comes in on its standard input. */
export const readsScript = (c: SimpleCommand) => c.runsStdin && (SHELLS.has(c.name) || c.name === "source" || c.name === ".");
const onStdin = (r: Redirect) => (r.fd === null || r.fd === 0) && r.op.startsWith("<");

// The two sides of a `|`; a shell on the right may run what the left side writes. Each side is
// bounded so that linking stays linear; a wider one (`{ curl …; 64 × echo; } | bash`) is an
// error rather than a pipe whose source went unseen.
export function link(p: Parser, from: number[], to: number[]): void {
  const out = p.sh.out;
  if (from.length > MAX_PIPE_SIDE || to.length > MAX_PIPE_SIDE) p.sh.error ??= `more than ${MAX_PIPE_SIDE} commands on one side of a pipe`;
  for (const a of from.slice(-MAX_PIPE_SIDE)) for (const b of to.slice(0, MAX_PIPE_SIDE)) {
    out[a]!.pipedTo.push(b);
    out[b]!.pipedFrom.push(a);
  }
  // A shell reading its script from a pipe: parse the script when it is literally there
  // (`echo 'rm -rf /' | sh`, `cat <<EOF | bash`); otherwise nobody can tell what it runs.
  for (const b of to) {
    const cmd = out[b]!;
    if (!readsScript(cmd) || cmd.pipedFrom.length === 0) continue;
    const scripts = cmd.pipedFrom.map((a) => printedBy(out[a]!));
    if (scripts.every((x) => x !== null)) for (const text of scripts.flat()) parseInto(p.sh, text!, { wrappers: [...cmd.wrappers, cmd.name], fn: cmd.inFunction, depth: p.ctx.depth });
    else markDynamic(p.sh, cmd);
  }
}

function markDynamic(sh: Shared, c: SimpleCommand): void {
  c.dynamic = true;
  sh.dynamic = true;
}

/**
 * The redirections of standard input of a shell that reads its script there (its own or its
 * group's: `{ bash; } <<< '…'`): a heredoc or here-string is parsed as the script; a file or
 * descriptor (`bash < ./x.sh`, `bash < <(curl …)`) is a script nobody can see.
 */
export function feedScript(p: Parser, shell: number, redirects: Redirect[]): number[] {
  const cmd = p.sh.out[shell]!;
  const ctx: Ctx = { wrappers: [...cmd.wrappers, cmd.name], fn: cmd.inFunction, depth: p.ctx.depth };
  const idx: number[] = [];
  for (const r of redirects) {
    if (!onStdin(r)) continue;
    if (r.op === "<<<" && !r.dynamic) idx.push(...parseInto(p.sh, r.body ?? "", ctx));
    else if (r.op === "<<" || r.op === "<<-") {
      if (r.body !== undefined) idx.push(...parseInto(p.sh, r.body, ctx));
      else {
        const pending = p.s.heredocs.find((h) => h.redirect === r);
        if (pending) pending.exec ??= ctx;
      }
    } else markDynamic(p.sh, cmd);
  }
  return idx;
}

/** After the parse: a shell reading a script from standard input that nothing feeds (`bash` alone) runs whatever the caller's input is. */
export function unfedShells(sh: Shared): void {
  for (const c of sh.out) if (readsScript(c) && c.pipedFrom.length === 0 && !c.redirects.some(onStdin)) markDynamic(sh, c);
}

export function shellCommand(p: Parser, rest: Arg[], redirects: Redirect[], assigns: string[], wrappers: string[], input: Input): number[] {
  const name = basename(rest[0]!.text);
  let i = 1;
  let command = false;
  let stdin = false;
  let inline: Arg | undefined;
  while (i < rest.length) {
    const t = rest[i]!.text;
    if (t === "--" || t === "-") { i++; break; }
    if (t.startsWith("--")) {
      if (t === "--command") command = true;
      // fish --command=STRING
      if (t.startsWith("--command=")) { command = true; inline ??= { ...rest[i]!, text: t.slice(10) }; }
      i += t === "--rcfile" || t === "--init-file" ? 2 : 1;
    } else if (/^[-+][A-Za-z]+$/.test(t)) {
      if (t.includes("c")) command = true;
      if (t.includes("s")) stdin = true;
      i += /[oO]/.test(t) ? 2 : 1;
    } else break;
  }
  const operand = inline ?? rest[i];
  const flags = (extra: Partial<Flags>): Flags => ({ dynamic: false, dynamicArgs: input !== null || rest.slice(1).some((a) => a.dynamic), runsStdin: false, ...extra });
  // Under xargs or find -exec, the script (the -c string or the file) may be the input.
  if (fedBy(input, operand)) return [push(p, rest, redirects, assigns, wrappers, flags({ dynamic: true }))];
  if (command && operand) {
    if (operand.dynamic) return [push(p, rest, redirects, assigns, wrappers, flags({ dynamic: true }))];
    const idx = redirects.length > 0 ? [push(p, [], redirects, assigns, wrappers, flags({}))] : [];
    return [...idx, ...parseInto(p.sh, operand.text, { wrappers: [...wrappers, name], fn: p.ctx.fn, depth: p.ctx.depth })];
  }
  if (operand && !stdin && !STDIN_PATHS.has(operand.text)) return [push(p, rest, redirects, assigns, wrappers, flags({ dynamic: operand.dynamic }))];
  // The script is standard input: a heredoc, a here-string, a file, or a pipe (see link()).
  const shell = push(p, rest, redirects, assigns, wrappers, flags({ runsStdin: true }));
  return [shell, ...feedScript(p, shell, redirects)];
}
