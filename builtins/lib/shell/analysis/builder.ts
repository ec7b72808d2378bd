// What the analysis does with each piece the grammar reports (the Builder of types.ts): a
// simple command has its braces expanded and its wrappers peeled (commands.ts), pipes are
// linked so a shell on the right sees the script on the left (shells.ts), and the
// redirections after a group go onto every command in it.
import { parseInto } from "../grammar/index.ts";
import { MAX_WORK } from "../limits.ts";
import { syntax, type Builder, type Parser, type Redirect } from "../types.ts";
import { emit } from "./commands.ts";
import { envCommands } from "./embedded.ts";
import { expandWords } from "./expand.ts";
import { push } from "./record.ts";
import { feedScript, link, readsScript } from "./shells.ts";
import { aliased, remember, substituted } from "./variables.ts";

const NONE = { dynamic: false, dynamicArgs: false, runsStdin: false };

// Copying a group's redirections onto each of its commands grows with the nesting
// (`{ { …; } >a; } >b`), so it counts as work.
function redirected(p: Parser, idx: number[], redirects: Redirect[]): number[] {
  if (idx.length === 0) return [push(p, [], redirects, [], p.ctx.wrappers, NONE)];
  p.sh.work += idx.length * redirects.length;
  if (p.sh.work > MAX_WORK) throw syntax("too many redirections");
  for (const i of idx) p.sh.out[i]!.redirects.push(...redirects);
  return [...idx, ...idx.filter((i) => readsScript(p.sh.out[i]!)).flatMap((i) => feedScript(p, i, redirects))];
}

export const BUILDER: Builder = {
  simple(p, words, redirects, assigns) {
    if (assigns.length > 0) remember(p.sh, assigns);
    if (words.length > 0) {
      const idx = emit(p, expandWords(p.sh, words), redirects, assigns, p.ctx.wrappers, null);
      // The same command with the values its variables were given in the script, and with
      // the alias its name was defined as.
      for (const variant of substituted(p.sh, words)) idx.push(...emit(p, expandWords(p.sh, variant), redirects, assigns, p.ctx.wrappers, null));
      for (const script of aliased(p.sh, words)) idx.push(...parseInto(p.sh, script, { wrappers: [...p.ctx.wrappers, "alias"], fn: p.ctx.fn, depth: p.ctx.depth }));
      return idx;
    }
    envCommands(p, assigns, p.ctx.wrappers);
    return [push(p, [], redirects, assigns, p.ctx.wrappers, NONE)];
  },
  cond: (p, args) => [push(p, args, [], [], p.ctx.wrappers, { ...NONE, dynamicArgs: args.some((a) => a.dynamic) })],
  redirected,
  piped: link,
  background(p, idx) {
    for (const i of idx) p.sh.out[i]!.background = true;
  },
  assigned: (p, settings) => remember(p.sh, settings),
};
