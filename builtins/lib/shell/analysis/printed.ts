// What `echo`, `printf` or `cat <<EOF` writes, when it is known statically: the script a shell
// on the other side of a pipe runs (`printf '\x72\x6d -rf /' | sh` runs `rm -rf /`). Each
// reading a shell may give it is returned: bash's echo leaves escapes alone without -e, while
// dash's and zsh's decode them always.
import { decodeEscapes, type Directive } from "../escapes.ts";
import type { SimpleCommand } from "../types.ts";
import { shellQuote } from "../util.ts";


// printf FORMAT [ARG…]: the format is used again while arguments remain. %s, %b (decoded as
// echo -e does), %c and %q (quoted for the shell) are known, with their width and precision;
// other conversions (numbers) make the output unknown.
function printf(args: string[]): string | null {
  const a = args[0] === "--" ? args.slice(1) : args;
  if (a[0] === "-v") return "";
  if (a[0]?.startsWith("-") && a[0] !== "-") return null;
  const [format = "", ...rest] = a;
  let next = 0;
  const directive: Directive = (text, at) => {
    const m = /^%([-+ #0]*)(\d*)(?:\.(\d*))?([a-zA-Z%])/.exec(text.slice(at, at + 24));
    if (!m) return null;
    const end = at + m[0].length;
    if (m[4] === "%") return { value: "%", end };
    const arg = rest[next++] ?? "";
    let value = m[4] === "s" ? arg : m[4] === "b" ? decodeEscapes(arg, "echo") : m[4] === "c" ? arg.slice(0, 1) : m[4] === "q" ? shellQuote(arg) : null;
    if (value === null) return null;
    if (m[3] !== undefined && m[4] !== "q") value = value.slice(0, Number(m[3] || "0"));
    const pad = " ".repeat(Math.max(0, Math.min(Number(m[2] || "0"), 4096) - value.length));
    return { value: m[1]!.includes("-") ? value + pad : pad + value, end };
  };
  let out = "";
  do {
    const before = next;
    const pass = decodeEscapes(format, "printf", directive);
    if (pass === null) return null;
    out += pass;
    if (next === before) break;
  } while (next < rest.length && out.length <= 65536);
  return out;
}

/** The texts `c` may write, or null when they cannot be known. */
export function printedBy(c: SimpleCommand): string[] | null {
  if (c.dynamic || c.dynamicArgs) return null;
  const args = c.argv.slice(1);
  if (c.name === "echo") {
    // bash decodes escapes only under -e (the last of -e and -E wins); dash always does.
    let escapes = false;
    while (args[0] !== undefined && /^-[neE]+$/.test(args[0])) {
      const flags = args.shift()!;
      if (/[eE]/.test(flags)) escapes = flags.lastIndexOf("e") > flags.lastIndexOf("E");
    }
    const text = args.join(" ");
    return [...new Set([escapes ? decodeEscapes(text, "echo")! : text, decodeEscapes(text, "dash")!])];
  }
  if (c.name === "printf") {
    const out = printf(args);
    return out === null ? null : [out];
  }
  if (c.name === "cat" && args.every((a) => a === "-")) {
    const body = c.redirects.find((r) => r.op.startsWith("<<"))?.body;
    return body === undefined ? null : [body];
  }
  return null;
}
