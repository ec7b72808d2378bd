// Recording one simple command in the result, within MAX_COMMANDS.
import { MAX_COMMANDS } from "../limits.ts";
import { syntax, type Arg, type Flags, type Parser, type Redirect } from "../types.ts";
import { basename } from "../util.ts";

/** Adds one command to the result and returns its index (an error past MAX_COMMANDS). */
export function push(p: Parser, args: Arg[], redirects: Redirect[], assignments: string[], wrappers: string[], f: Flags): number {
  const out = p.sh.out;
  if (out.length >= MAX_COMMANDS) {
    p.sh.stopped = true;
    throw syntax(`more than ${MAX_COMMANDS} commands`);
  }
  const argv = args.map((a) => a.text);
  if (f.dynamic) p.sh.dynamic = true;
  out.push({
    argv, name: basename(argv[0] ?? ""), dynamic: f.dynamic, dynamicArgs: f.dynamicArgs, assignments, redirects,
    wrappers: [...wrappers], background: false, pipedFrom: [], pipedTo: [], runsStdin: f.runsStdin, inFunction: p.ctx.fn,
  });
  return out.length - 1;
}
