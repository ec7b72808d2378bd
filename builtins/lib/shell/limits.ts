// The bounds that keep a parse linear in its input (see index.ts). Hitting one is an `error`
// on the result, never a silent truncation.
import { syntax, type Parser } from "./types.ts";

export const MAX_SCRIPT = 64 * 1024;
export const MAX_DEPTH = 16;
export const MAX_NESTING = 256;
export const MAX_PARSED = 2 * MAX_SCRIPT;
export const MAX_COMMANDS = 2000;
export const MAX_EXPAND = 256;
export const MAX_EXPANSIONS = 4096;
export const MAX_BRACE_WORD = 1024;
export const MAX_HOPS = 16;
export const MAX_PIPE_SIDE = 64;
export const MAX_WORK = MAX_SCRIPT;

/**
 * Runs a step of the parser that may recurse (a compound command, `${…}`, `$((…))`) one level
 * deeper; past MAX_NESTING levels, of all the parses nested in this one, it is an error.
 */
export function deeper<T>(p: Parser, step: () => T): T {
  if (p.sh.nesting >= MAX_NESTING) throw syntax("nested too deeply");
  p.sh.nesting++;
  try {
    return step();
  } finally {
    p.sh.nesting--;
  }
}
