// Commands written inside another command's arguments: `find -exec`, `fd -x`, and the git
// config values that git runs as shell commands (`git -c alias.x='!cmd'`, core.pager, …).
import { emit } from "./commands.ts";
import { parseInto } from "./parser.ts";
import type { Arg, Parser } from "./types.ts";

const FD_PLACEHOLDERS = ["{}", "{/}", "{//}", "{.}", "{/.}"];

// `find … -exec cmd {} ;` and `fd … -x cmd`: the command runs once per match, the match in
// place of `{}` (fd: also `{/}`, `{.}`, …; appended when there is none).
export function execArgs(p: Parser, rest: Arg[], wrappers: string[], name: string): number[] {
  const idx: number[] = [];
  const find = name === "find";
  const starts = find ? ["-exec", "-execdir", "-ok", "-okdir"] : ["-x", "--exec", "-X", "--exec-batch"];
  for (let i = 1; i < rest.length; i++) {
    if (!starts.includes(rest[i]!.text)) continue;
    let j = i + 1;
    while (j < rest.length && rest[j]!.text !== ";" && rest[j]!.text !== "+") j++;
    const cmd = rest.slice(i + 1, j);
    if (cmd.length > 0) idx.push(...emit(p, cmd, [], [], [...wrappers, name], find ? ["{}"] : FD_PLACEHOLDERS));
    i = j;
  }
  return idx;
}

// git runs some config values as shell commands: `git -c alias.x='!rm -rf /' x`,
// `-c core.pager=…`, `-c core.sshCommand=…`.
const GIT_COMMAND_KEYS = /^(alias\..+|core\.(pager|editor|sshcommand|fsmonitor|askpass)|sequence\.editor|diff\.external|credential\.helper|gpg\.program|pager\..+|.+\.(command|cmd|textconv|driver|clean|smudge|process|program|sshcommand|helper|tool))$/i;

export function gitConfigCommands(p: Parser, rest: Arg[], wrappers: string[]): number[] {
  const idx: number[] = [];
  for (let i = 1; i < rest.length; i++) {
    const t = rest[i]!.text;
    if (!t.startsWith("-")) break;
    if (t !== "-c" && t !== "-C" && t !== "--git-dir" && t !== "--work-tree" && t !== "--namespace") continue;
    const v = rest[++i];
    if (t !== "-c" || !v) continue;
    const eq = v.text.indexOf("=");
    if (eq < 0 || !GIT_COMMAND_KEYS.test(v.text.slice(0, eq))) continue;
    let value = v.text.slice(eq + 1);
    if (/^alias\./i.test(v.text)) {
      if (!value.startsWith("!")) continue;
      value = value.slice(1);
    }
    idx.push(...parseInto(p.sh, value, { wrappers: [...wrappers, "git"], fn: p.ctx.fn, depth: p.ctx.depth }));
  }
  return idx;
}
