// A shell command parser for policy decisions: it finds every simple command a bash command
// line would run, so a policy can judge `sudo bash -c 'cd / && r""m -rf *'` as `rm -rf *`.
//
//   parseShell(script) → { commands, functions, dynamic, error }
//
// `commands` is flat, in the order the shell would start them (a command substitution comes
// before the command whose word contains it). It includes the commands inside chains (&& || ;
// & | newlines), subshells, brace groups, if/while/for/case bodies, function bodies, $( ),
// backticks, <( ) and >( ), `sh|bash|zsh -c STRING`, `eval`, `su -c`, `watch`, `find -exec`,
// `xargs`, heredocs and here-strings fed to a shell, `echo … | sh` and `printf '\x72m' | sh`
// (escapes decoded as each shell's echo and printf do), the commands git runs from its
// arguments (`submodule foreach`, `rebase --exec`, `bisect run`, `difftool -x`, …), alias values, git
// `-c alias.x=!cmd` style config values, variables that programs run (`GIT_SSH_COMMAND=`,
// `PAGER=`, `export EDITOR=`), `trap` actions, and substitutions in arithmetic text (`let`,
// `declare -i`, `[[ … -eq … ]]`). Wrappers (sudo, doas, env, nohup, time, nice, timeout,
// exec, command, builtin, xargs, stdbuf, setsid, chroot, busybox, toybox, flock, script -c,
// strace, taskset, unshare, nsenter, systemd-run, …) are peeled off: the command is what they
// run, and their names are listed in `wrappers`.
//
// A command word or argument that is a variable given literal values earlier in the script
// (`X=rm; $X -rf /`, `for c in ls rm`) is also recorded with each value in its place, after
// the command as written, which stays dynamic (analysis/variables.ts).
//
// Each SimpleCommand:
//   argv         words after quote removal and brace expansion. Expansions the parser cannot
//                evaluate keep their source text: `$HOME`, `${X:-y}`, `$(cmd)`, `` `cmd` ``.
//   name         basename of argv[0] ("" for a command with no words, e.g. `> file` alone).
//   dynamic      the command word is not known statically (a variable, a substitution, a glob,
//                `bash -c "$X"`, `eval $X`, a shell reading its script from a pipe, a file or
//                an input nobody gave it (`bash < x.sh`, `bash` alone), a program or
//                script that xargs or find -exec fill in from their input). Policies should not
//                ALLOW what they cannot see.
//   dynamicArgs  some argument is an expansion, or arguments come from stdin (xargs, find -exec).
//   assignments  leading `NAME=value` words (and `env NAME=value`), as written.
//   redirects    { op, fd, target, write, dynamic, body? }; `write` is true when a file is opened
//                for writing (`>`, `>>`, `>|`, `&>`, `&>>`, `<>`, `>& file`), not for `2>&1`.
//                Heredoc bodies and here-strings are in `body`.
//   wrappers     commands that ran this one, outermost first: ["sudo", "bash"].
//   background   ended by `&`.
//   pipedFrom / pipedTo   indices into `commands` of the other side of a `|`.
//   runsStdin    a shell or interpreter that executes its standard input as code.
//   inFunction   the name of the function whose body holds this command, else null.
//
// `dynamic` on the result is true when any command is dynamic or parsing failed; `error` says
// why parsing stopped (syntax error, too long, too deep, too many commands) or why the result
// may be incomplete (a NUL byte). Commands found before an error are still returned, so a
// policy can DENY what it did see.
//
// Bounds, so a parse costs time linear in its input: scripts over MAX_SCRIPT characters are not
// parsed; scripts inside scripts nest at most MAX_DEPTH deep, and the parser's own recursion
// (compound commands, `${…}`, `$((…))`) at most MAX_NESTING; scripts parsed again from inside
// others (sh -c, eval, backticks) add up to at most MAX_PARSED characters; at most MAX_COMMANDS
// commands; brace expansion makes at most MAX_EXPAND words per word and MAX_EXPANSIONS per
// parse; a side of a pipe links at most MAX_PIPE_SIDE commands; the redirections of groups
// copied onto their commands and the strings brace expansion builds share MAX_WORK. Hitting a
// bound is an `error` (so `dynamic`), never a silent truncation.
//
// Layering (imports run one way, top to bottom; no file imports one above it):
//
//   index.ts            the public API and the composition root: it hands each parse the
//                       grammar's entry points (GRAMMAR) and the analysis (BUILDER).
//   analysis/           what the commands mean. builder.ts receives each piece the grammar
//                       reads; commands.ts peels wrappers (wrappers.ts) and looks inside the
//                       commands that run commands (shells.ts, embedded.ts), parsing the
//                       scripts it finds there with the grammar; record.ts adds to the
//                       result; expand.ts does brace expansion.
//   grammar/            text to syntax, knowing nothing of what a command does. parser.ts
//                       (lists, pipelines, simple commands, redirections) → compound.ts (for,
//                       case, function, [[) → lexer.ts (tokens, heredocs) → words.ts → dollar.ts
//                       (quotes, $…, substitutions).
//   types.ts, limits.ts, util.ts   declarations, bounds and helpers under both.
//
// The grammar is recursive across its files (a word holds commands, a compound command holds a
// list); the lower files recurse through the Grammar entry points on the parse's shared state
// instead of importing parser.ts. The grammar reports what it reads to a Builder, the
// analysis, as it goes, rather than building a tree first: a syntax error then still leaves
// the commands read before it, and the scripts parsed from inside commands (`sh -c`, eval)
// share one set of bounds with the script around them.
import { BUILDER } from "./analysis/builder.ts";
import { unfedShells } from "./analysis/shells.ts";
import { GRAMMAR, parseInto } from "./grammar/index.ts";
import { MAX_SCRIPT } from "./limits.ts";
import type { ShellParse, Shared } from "./types.ts";

export { SHELLS } from "./analysis/shells.ts";
export { optionValue } from "./analysis/wrappers.ts";
export { MAX_SCRIPT } from "./limits.ts";
export type { Redirect, ShellParse, SimpleCommand } from "./types.ts";
export { basename, own, shellQuote } from "./util.ts";

/** Parses a command line into the simple commands it would run. Never throws. */
export function parseShell(script: string): ShellParse {
  const sh: Shared = { out: [], functions: [], error: null, dynamic: false, expansions: 0, parsed: 0, stopped: false, nesting: 0, work: 0, vars: new Map(), aliases: new Map(), grammar: GRAMMAR, build: BUILDER };
  if (script.length > MAX_SCRIPT) return { commands: [], functions: [], dynamic: true, error: `command longer than ${MAX_SCRIPT} characters` };
  // Bash drops NUL bytes from a script it reads, but a NUL ends a `-c` string or an argument:
  // there is no one reading. Parse the bash one, so what it finds can still be denied.
  if (script.includes("\0")) sh.error = "command contains a NUL byte";
  parseInto(sh, script.replaceAll("\0", ""), { wrappers: [], fn: null, depth: 0 });
  unfedShells(sh);
  return { commands: sh.out, functions: sh.functions, dynamic: sh.dynamic || sh.error !== null, error: sh.error };
}
