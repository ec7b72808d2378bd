// Commands that git subcommands run from their arguments: `git submodule foreach CMD`,
// `git rebase --exec CMD`, `git bisect run CMD…`, `git difftool -x CMD`, filter-branch's
// filters, send-email's --to-cmd, and the --upload-pack / --receive-pack programs a local
// transport runs. Each is parsed as the shell script (or, for bisect run, the command) git
// runs; one that is not written out (`--exec "$X"`) makes the git command dynamic.
import { parseInto } from "../grammar/index.ts";
import { fedBy, type Arg, type Input, type Parser } from "../types.ts";
import { shellQuote } from "../util.ts";

// Per subcommand: its options whose value is a shell command, short (one letter) and long.
const SCRIPT_OPTIONS: Record<string, { short: string; long: string[] }> = {
  rebase: { short: "x", long: ["--exec"] },
  difftool: { short: "x", long: ["--extcmd"] },
  "filter-branch": { short: "", long: ["--setup", "--env-filter", "--tree-filter", "--index-filter", "--parent-filter", "--msg-filter", "--commit-filter", "--tag-name-filter"] },
  "send-email": { short: "", long: ["--to-cmd", "--cc-cmd", "--header-cmd", "--sendmail-cmd"] },
  clone: { short: "u", long: ["--upload-pack"] },
  fetch: { short: "", long: ["--upload-pack"] },
  pull: { short: "", long: ["--upload-pack"] },
  "ls-remote": { short: "", long: ["--upload-pack", "--exec"] },
  archive: { short: "", long: ["--exec"] },
  push: { short: "", long: ["--receive-pack", "--exec"] },
};

/** Every value of the options `short`/`long` in `args`: `-xCMD`, `-x CMD`, `--exec=CMD`, `--exec CMD`. */
function values(args: Arg[], from: number, short: string, long: string[]): Arg[] {
  const out: Arg[] = [];
  for (let i = from; i < args.length; i++) {
    const t = args[i]!.text;
    if (t[0] !== "-") continue;
    if (t === "--") break;
    const eq = t.indexOf("=");
    if (t[1] === "-" && long.includes(eq < 0 ? t : t.slice(0, eq))) {
      const v = eq < 0 ? args[++i] : { ...args[i]!, text: t.slice(eq + 1) };
      if (v) out.push(v);
    } else if (short && t.length > 1 && t[0] === "-" && t[1] === short) {
      const v = t.length > 2 ? { ...args[i]!, text: t.slice(2) } : args[++i];
      if (v) out.push(v);
    }
  }
  return out;
}

const NONE = { idx: [], dynamic: false };

/** The commands of the git command `rest` whose subcommand is at rest[at] (see gitGlobals). */
export function gitRunCommands(p: Parser, rest: Arg[], at: number, wrappers: string[], input: Input): { idx: number[]; dynamic: boolean } {
  const sub = rest[at]?.text ?? "";
  const options = Object.hasOwn(SCRIPT_OPTIONS, sub) ? SCRIPT_OPTIONS[sub]! : undefined;
  if (options) return scriptsOf(p, values(rest, at + 1, options.short, options.long), wrappers, input);
  if (sub !== "submodule" && sub !== "bisect") return NONE;
  const args = rest.slice(at + 1);
  const scripts: Arg[] = [];
  if (sub === "submodule") {
    const foreach = args.findIndex((a) => a.text === "foreach");
    let i = foreach + 1;
    while (foreach >= 0 && args[i]?.text.startsWith("-")) i++;
    // git runs the words after `foreach` through the shell, joined by spaces.
    if (foreach >= 0 && i < args.length) scripts.push({ text: args.slice(i).map((a) => a.text).join(" "), dynamic: args.slice(i).some((a) => a.dynamic || fedBy(input, a)), glob: false });
  } else if (sub === "bisect" && args[0]?.text === "run" && args.length > 1) {
    // `git bisect run CMD ARG…` runs the command itself: its words, each quoted.
    scripts.push({ text: args.slice(1).map((a) => shellQuote(a.text)).join(" "), dynamic: args.slice(1).some((a) => a.dynamic || fedBy(input, a)), glob: false });
  }
  return scriptsOf(p, scripts, wrappers, input);
}

function scriptsOf(p: Parser, scripts: Arg[], wrappers: string[], input: Input): { idx: number[]; dynamic: boolean } {
  if (scripts.length === 0) return NONE;
  if (scripts.some((s) => s.dynamic || fedBy(input, s))) return { idx: [], dynamic: true };
  const ctx = { wrappers: [...wrappers, "git"], fn: p.ctx.fn, depth: p.ctx.depth };
  return { idx: scripts.flatMap((s) => parseInto(p.sh, s.text, ctx)), dynamic: false };
}
