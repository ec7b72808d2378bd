// A simple command, after peeling off its wrappers (sudo, env, …) and looking inside the
// commands that run other commands: shells, eval, su -c, watch, find -exec, git -c, alias.
import { parseInto, scanExpansions } from "../grammar/index.ts";
import { MAX_HOPS } from "../limits.ts";
import { fedBy, type Arg, type Flags, type Input, type Parser, type Redirect } from "../types.ts";
import { basename, own } from "../util.ts";
import { DECLARES, envCommands, gitConfigCommands, gitGlobals } from "./embedded.ts";
import { gitRunCommands } from "./git-runs.ts";
import { push } from "./record.ts";
import { remember, rememberAlias } from "./variables.ts";
import { SHELLS, STDIN_PATHS, shellCommand } from "./shells.ts";
import { WRAPPERS, optionValue, skipOptions, xargsReplace } from "./wrappers.ts";

const INTERPRETER = /^(python[0-9.]*|perl[0-9.]*|ruby|node|nodejs|php[0-9.]*|lua[0-9.]*)$/;

/**
 * Peels wrappers off a command and looks inside the commands that run other commands. `input`
 * is null when the words are all in `args`; under xargs or find -exec it lists the strings
 * that the input replaces (none: the input is appended), so what input can change is dynamic.
 */
export function emit(p: Parser, args: Arg[], redirects: Redirect[], assigns: string[], wrappersIn: string[], inputIn: Input): number[] {
  const wrappers = [...wrappersIn];
  let rest = args;
  let input = inputIn;
  const plain = (extra: Partial<Flags> = {}) => [
    push(p, rest, redirects, assigns, wrappers, { dynamic: false, dynamicArgs: input !== null || rest.slice(1).some((a) => a.dynamic), runsStdin: false, ...extra }),
  ];
  // The redirections of `bash -c '…' > out` belong to no inner command: keep them on an
  // empty one so policies still see the write.
  const sub = (text: string, via: string) => {
    const idx = redirects.length > 0 ? [push(p, [], redirects, assigns, wrappers, { dynamic: false, dynamicArgs: false, runsStdin: false })] : [];
    return [...idx, ...parseInto(p.sh, text, { wrappers: [...wrappers, via], fn: p.ctx.fn, depth: p.ctx.depth })];
  };
  envCommands(p, assigns, wrappers);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const head = rest[0];
    if (!head) return plain();
    if (head.dynamic || head.glob || fedBy(input, head)) return plain({ dynamic: true });
    const name = basename(head.text);
    const unwrap = own(WRAPPERS, name);
    if (unwrap) {
      const set: string[] = [];
      const inner = unwrap(rest, set);
      // `… | xargs sudo`: the input is the command.
      if (inner === null || inner.length === 0) return plain({ dynamic: input !== null });
      assigns = [...assigns, ...set];
      envCommands(p, set, wrappers);
      if (name === "xargs") input = xargsReplace(rest);
      wrappers.push(name);
      rest = inner;
      continue;
    }
    if (SHELLS.has(name)) return shellCommand(p, rest, redirects, assigns, wrappers, input);
    // Code read from the arguments: none of it may come from the input.
    if (name === "eval") {
      if (input !== null || rest.some((a) => a.dynamic)) return plain({ dynamic: true });
      return sub(rest.slice(1).map((a) => a.text).join(" "), "eval");
    }
    if (name === "su" || name === "runuser") {
      const code = optionValue(rest, "c", ["--command"], "gGsw");
      if (code === undefined) return plain({ dynamic: input !== null });
      if (code.dynamic || fedBy(input, code)) return plain({ dynamic: true });
      return sub(code.text, name);
    }
    if (name === "watch") {
      if (input !== null) return plain({ dynamic: true });
      const i = skipOptions(rest, "nq", ["--interval", "--equexit"]);
      if (i >= rest.length) return plain();
      if (rest.slice(1, i).some((a) => a.text === "-x" || a.text === "--exec")) { wrappers.push(name); rest = rest.slice(i); continue; }
      if (rest.slice(i).some((a) => a.dynamic)) return plain({ dynamic: true });
      return sub(rest.slice(i).map((a) => a.text).join(" "), "watch");
    }
    if (name === "source" || name === ".") {
      // `. /dev/stdin <<< '…'` reads its script like a shell does.
      if (input === null && STDIN_PATHS.has(rest[1]?.text ?? "")) return shellCommand(p, rest.slice(0, 2), redirects, assigns, wrappers, input);
      return plain({ dynamic: input !== null || rest[1]?.dynamic === true });
    }
    if (name === "find" || name === "fd" || name === "fdfind") return [...plain(), ...execArgs(p, rest, wrappers, name)];
    // GIT_CONFIG_PARAMETERS holds `-c` settings in git's own quoting.
    if (name === "git") {
      const globals = gitGlobals(rest);
      const runs = gitRunCommands(p, rest, globals.sub, wrappers, input);
      return [...gitConfigCommands(p, globals.settings, wrappers, assigns), ...runs.idx, ...plain({ dynamic: runs.dynamic || assigns.some((a) => a.startsWith("GIT_CONFIG_PARAMETERS=")) })];
    }
    if (DECLARES.has(name)) {
      envCommands(p, rest.slice(1).map((a) => a.text), wrappers);
      remember(p.sh, rest.slice(1).filter((a) => !a.dynamic).map((a) => a.text));
    }
    // Arithmetic runs the substitutions in its text, quoted or not: `let 'x=a[$(cmd)]'`.
    if (name === "let" || (DECLARES.has(name) && rest.some((a) => /^-[a-zA-Z]*i/.test(a.text)))) for (const a of rest.slice(1)) scanExpansions(p, a.text);
    if (name === "trap") {
      const ops = rest.slice(skipOptions(rest, "", []));
      if (ops.length < 2 || ops[0]!.text === "-") return plain();
      if (ops[0]!.dynamic || input !== null) return plain({ dynamic: true });
      return [...plain(), ...parseInto(p.sh, ops[0]!.text, { wrappers: [...wrappers, "trap"], fn: p.ctx.fn, depth: p.ctx.depth })];
    }
    if (name === "alias") {
      const idx: number[] = [];
      for (const a of rest.slice(1)) {
        const eq = a.text.indexOf("=");
        if (eq <= 0) continue;
        idx.push(...parseInto(p.sh, a.text.slice(eq + 1), { wrappers: [...wrappers, "alias"], fn: p.ctx.fn, depth: p.ctx.depth }));
        if (!a.dynamic) rememberAlias(p.sh, a.text.slice(0, eq), a.text.slice(eq + 1));
      }
      return [...plain(), ...idx];
    }
    if (INTERPRETER.test(name)) {
      const stdin = rest.slice(1).every((a) => a.text === "-" || (a.text.startsWith("-") && !/^-(c|m|e|E|r|p)$|^--(eval|print)/.test(a.text)));
      return plain({ runsStdin: stdin });
    }
    return plain();
  }
  return plain({ dynamic: true });
}

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
