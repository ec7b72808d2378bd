// Wrapper commands (sudo, env, nohup, timeout, xargs, …): what each one runs, found by
// skipping its options, and the option readers they share with commands.ts.
import { BLANK } from "./lexer.ts";
import { MAX_DEPTH } from "./limits.ts";
import type { Arg, Parser, Shared } from "./types.ts";
import { ASSIGNMENT, readWord } from "./words.ts";

/**
 * Index of the first operand after the options of `a` (a[0] is the command). `shortArg` lists
 * the one-letter options that take a value (attached or next word), `longArg` the long ones
 * (given without `=`). With `assign`, `NAME=value` words are skipped too (sudo, env).
 */
export function skipOptions(a: readonly { text: string }[], shortArg: string, longArg: readonly string[], assign = false): number {
  let i = 1;
  while (i < a.length) {
    const t = a[i]!.text;
    if (t === "--") return i + 1;
    if (t.startsWith("--")) i += !t.includes("=") && longArg.includes(t) ? 2 : 1;
    else if (t.startsWith("-") && t.length > 1) {
      let extra = 0;
      for (let k = 1; k < t.length; k++) {
        if (shortArg.includes(t[k]!)) { extra = k === t.length - 1 ? 1 : 0; break; }
      }
      i += 1 + extra;
    } else if (assign && ASSIGNMENT.test(t)) i++;
    else break;
  }
  return i;
}

export function optionValue(a: Arg[], short: string[], long: string[]): Arg | undefined {
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!.text;
    if (short.includes(t) || long.includes(t)) return a[i + 1];
    for (const l of long) if (t.startsWith(`${l}=`)) return { ...a[i]!, text: t.slice(l.length + 1) };
  }
  return undefined;
}

const XARGS_VALUE = "adEILnPs";
const XARGS_LONG = ["--arg-file", "--delimiter", "--eof", "--replace", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"];

/** The strings xargs replaces with its input in the command (`-I R`, `-i`, `--replace`); none when it appends the input. */
export function xargsReplace(a: Arg[]): string[] {
  const end = skipOptions(a, XARGS_VALUE, XARGS_LONG);
  const out: string[] = [];
  for (let i = 1; i < end; i++) {
    const t = a[i]!.text;
    if (t === "--replace") out.push("{}");
    else if (t.startsWith("--replace=")) out.push(t.slice(10));
    else if (!t.startsWith("--")) {
      for (let k = 1; k < t.length; k++) {
        const rest = t.slice(k + 1);
        if (t[k] === "i") out.push(rest || "{}");
        else if (t[k] === "I") out.push(rest || (a[i + 1]?.text ?? ""));
        if ("iel".includes(t[k]!) || XARGS_VALUE.includes(t[k]!)) break;
      }
    }
  }
  return out.filter((r) => r !== "");
}

// Wrappers: given the argv starting at the wrapper, the argv of the command it runs, or null
// when it runs none (`command -v rm`, `env` alone prints the environment).
type Unwrap = (a: Arg[]) => Arg[] | null;
const after = (shortArg: string, longArg: string[] = [], assign = false, operands = 0): Unwrap => (a) => a.slice(skipOptions(a, shortArg, longArg, assign) + operands);

export const WRAPPERS: Record<string, Unwrap> = {
  sudo: after("ugpCDrtTUR", ["--user", "--group", "--prompt", "--close-from", "--chdir", "--host", "--role", "--type", "--other-user", "--command-timeout"], true),
  doas: after("uC"),
  nohup: after(""),
  builtin: after(""),
  exec: after("a"),
  time: after("of", ["--output", "--format"]),
  nice: after("n", ["--adjustment"]),
  ionice: after("cnpPu", ["--class", "--classdata", "--pid", "--pgid", "--uid"]),
  timeout: after("sk", ["--signal", "--kill-after"], false, 1),
  stdbuf: after("ioe", ["--input", "--output", "--error"]),
  setsid: after(""),
  chroot: after("", ["--userspec", "--groups"], false, 1),
  busybox: after(""),
  xargs: after(XARGS_VALUE, XARGS_LONG),
  unbuffer: after(""),
  fakeroot: after(""),
  torsocks: after(""),
  proxychains: after("f"),
  proxychains4: after("f"),
  caffeinate: after("tw"),
  chronic: after(""),
  strace: after("abeEIoOpPsSuUX"),
  ltrace: after("aAeEnoOpsSuX"),
  // `flock [opts] FILE CMD…` or `flock [opts] FILE -c STRING`; `script [opts] -c STRING [FILE]`.
  flock: (a) => {
    const c = optionValue(a, ["-c"], ["--command"]);
    return c ? [{ text: "sh", dynamic: false, glob: false }, { text: "-c", dynamic: false, glob: false }, c] : a.slice(skipOptions(a, "wE", ["--timeout", "--conflict-exit-code"]) + 1);
  },
  script: (a) => {
    const c = optionValue(a, ["-c"], ["--command"]);
    return c ? [{ text: "sh", dynamic: false, glob: false }, { text: "-c", dynamic: false, glob: false }, c] : null;
  },
  command: (a) => {
    const i = skipOptions(a, "", []);
    return a.slice(1, i).some((x) => /^-[pvV]*[vV]/.test(x.text)) ? null : a.slice(i);
  },
  env: (a) => {
    const out: Arg[] = [];
    let i = 1;
    while (i < a.length) {
      const t = a[i]!.text;
      if (t === "--") { i++; break; }
      const split = t === "-S" || t === "--split-string" ? a[++i] : t.startsWith("--split-string=") ? { ...a[i]!, text: t.slice(15) } : /^-S./.test(t) ? { ...a[i]!, text: t.slice(2) } : null;
      if (split) { out.push(...splitWords(split)); i++; break; }
      if (t === "-u" || t === "-C" || t === "--unset" || t === "--chdir") i += 2;
      else if (t.startsWith("-") && t.length > 1) i++;
      else if (ASSIGNMENT.test(t)) i++;
      else break;
    }
    const inner = [...out, ...a.slice(i)];
    return inner.length > 0 ? inner : null;
  },
};

// `env -S 'rm -rf /'` splits its argument into words (quotes honoured, no operators).
function splitWords(a: Arg | undefined): Arg[] {
  if (!a) return [];
  if (a.dynamic) return [{ text: a.text, dynamic: true, glob: false }];
  const sh: Shared = { out: [], functions: [], error: null, dynamic: false, expansions: 0, parsed: 0, stopped: false };
  const p: Parser = { s: { text: a.text, pos: 0, heredocs: [] }, tok: { t: "eof", start: 0 }, ctx: { wrappers: [], fn: null, depth: MAX_DEPTH }, sh };
  const out: Arg[] = [];
  try {
    while (p.s.pos < a.text.length) {
      const c = a.text[p.s.pos]!;
      if (BLANK.includes(c) || c === "\n") { p.s.pos++; continue; }
      const w = readWord(p);
      if (w.raw === "") { out.push({ text: c, dynamic: false, glob: false }); p.s.pos++; }
      else out.push({ text: w.text, dynamic: w.dynamic, glob: w.glob });
    }
  } catch {
    return [{ text: a.text, dynamic: true, glob: false }];
  }
  return out;
}
