// Wrapper commands (sudo, env, nohup, timeout, xargs, …): what each one runs, found by
// skipping its options, and the option readers they share with commands.ts.
import { MAX_HOPS } from "../limits.ts";
import type { Arg } from "../types.ts";
import { own } from "../util.ts";

/**
 * Index of the first operand after the options of `a` (a[0] is the command). `shortArg` lists
 * the one-letter options that take a value (attached or next word), `longArg` the long ones
 * (given without `=`). With `assigns`, `NAME=value` words are skipped too and collected there
 * (sudo, env).
 */
export function skipOptions(a: readonly { text: string }[], shortArg: string, longArg: readonly string[], assigns?: string[]): number {
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
    } else if (assigns && t.includes("=")) assigns.push(a[i++]!.text);
    else break;
  }
  return i;
}

/**
 * The value of option `-<letter>` or one of `long` anywhere in a[1…]: attached (`-cVALUE`,
 * `-qcVALUE`, `--long=VALUE`) or the next word. `shortArg` lists the other one-letter options
 * that take a value: in a cluster, what follows one of them is its value, not more options.
 */
export function optionValue<A extends { text: string }>(a: readonly A[], letter: string, long: readonly string[], shortArg = ""): A | undefined {
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!.text;
    if (t.startsWith("--")) {
      if (long.includes(t)) return a[i + 1];
      for (const l of long) if (t.startsWith(`${l}=`)) return { ...a[i]!, text: t.slice(l.length + 1) };
    } else if (t.startsWith("-")) {
      for (let k = 1; k < t.length; k++) {
        if (t[k] === letter) return k < t.length - 1 ? { ...a[i]!, text: t.slice(k + 1) } : a[i + 1];
        if (shortArg.includes(t[k]!)) break;
      }
    }
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
// when it runs none (`command -v rm`, `env` alone prints the environment). The environment
// assignments it makes (`sudo X=1 …`, `env X=1 …`) are added to `assigns`.
type Unwrap = (a: Arg[], assigns: string[]) => Arg[] | null;
const after = (shortArg: string, longArg: string[] = [], assign = false, operands = 0): Unwrap => (a, assigns) =>
  a.slice(skipOptions(a, shortArg, longArg, assign ? assigns : undefined) + operands);
const shC = (c: Arg): Arg[] => [{ text: "sh", dynamic: false, glob: false }, { text: "-c", dynamic: false, glob: false }, c];

export const WRAPPERS: Record<string, Unwrap> = {
  // Every sudo option that takes a value: -a type (BSD auth), -c class, -h host (a bare `-h`
  // is help, which runs nothing either way), -p prompt, -r role, -t type, -R dir, …
  sudo: after("aCcDghpRrtTUu", ["--user", "--group", "--prompt", "--close-from", "--chdir", "--chroot", "--host", "--role", "--type", "--other-user", "--command-timeout", "--auth-type", "--login-class"], true),
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
  toybox: after(""),
  // `taskset [-ac] MASK|LIST CMD…`; with -p it changes a running process instead.
  taskset: (a) => {
    const i = skipOptions(a, "", []);
    return a.slice(1, i).some((x) => /^-[a-z]*p|^--pid$/.test(x.text)) ? null : a.slice(i + 1);
  },
  unshare: after("SGRw", ["--setuid", "--setgid", "--root", "--wd", "--propagation", "--setgroups", "--map-user", "--map-group", "--map-users", "--map-groups", "--monotonic", "--boottime"]),
  nsenter: after("tGSW", ["--target", "--setgid", "--setuid", "--wdns"]),
  "systemd-run": after("upEHMC", [
    "--unit", "--property", "--setenv", "--host", "--machine", "--capsule", "--description", "--slice", "--uid", "--gid", "--nice", "--working-directory",
    "--service-type", "--on-active", "--on-boot", "--on-startup", "--on-unit-active", "--on-unit-inactive", "--on-calendar", "--timer-property",
    "--path-property", "--socket-property",
  ]),
  pkexec: after("", ["--user"]),
  firejail: after(""),
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
    const c = optionValue(a, "c", ["--command"]);
    return c ? shC(c) : a.slice(skipOptions(a, "wE", ["--timeout", "--conflict-exit-code"]) + 1);
  },
  script: (a) => {
    const c = optionValue(a, "c", ["--command"], "BEIOmT");
    return c ? shC(c) : null;
  },
  command: (a) => {
    const i = skipOptions(a, "", []);
    return a.slice(1, i).some((x) => /^-[pvV]*[vV]/.test(x.text)) ? null : a.slice(i);
  },
  // `env [-iv0] [-u NAME] [-C DIR] [-S STRING] [-] [NAME=VALUE]… [COMMAND…]`. env reads the words
  // of -S STRING again as options and command: `env -iS '-u X rm -rf /'`.
  env: (argv, assigns) => {
    let a = argv;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      let i = skipOptions(a, "uCS", ENV_LONG, assigns);
      if (a[i]?.text === "-") i += skipOptions(a.slice(i), "", [], assigns);
      const split = optionValue(a.slice(0, i), "S", ["--split-string"], "uC");
      if (split === undefined) return i < a.length ? a.slice(i) : null;
      a = [a[0]!, ...splitString(split), ...a.slice(i)];
    }
    return [{ text: "env", dynamic: true, glob: false }];
  },
};

const ENV_LONG = ["--unset", "--chdir", "--split-string"];
const ENV_BLANK = " \t\n\v\f\r";
const ENV_ESCAPES: Record<string, string> = { f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", '"': '"', "#": "#", $: "$", "'": "'", "\\": "\\" };

// How GNU env splits -S STRING: quotes, blanks and `\_` separate words, `#` at the start of a
// word and `\c` end the string, `${NAME}` is a variable (dynamic). A string env rejects is
// returned as one dynamic word.
function splitString(a: Arg): Arg[] {
  const s = a.text;
  const rejected = [{ text: s, dynamic: true, glob: false }];
  if (a.dynamic) return rejected;
  const out: Arg[] = [];
  let sq = false;
  let dq = false;
  let sep = true;
  const word = () => {
    if (sep) out.push({ text: "", dynamic: false, glob: false });
    sep = false;
    return out.at(-1)!;
  };
  for (let i = 0; i < s.length; i++) {
    let c = s[i]!;
    if ((c === "'" && !dq) || (c === '"' && !sq)) {
      if (c === "'") sq = !sq;
      else dq = !dq;
      word();
      continue;
    }
    if (!sq && !dq && ENV_BLANK.includes(c)) { sep = true; continue; }
    if (c === "#" && sep) break;
    if (c === "\\" && !(sq && s[i + 1] !== "\\" && s[i + 1] !== "'")) {
      const n = s[++i] ?? "";
      if (n === "_" && !dq) { sep = true; continue; }
      if (n === "c" && !dq) break;
      const esc = n === "_" ? " " : own(ENV_ESCAPES, n);
      if (esc === undefined) return rejected;
      c = esc;
    } else if (c === "$" && !sq) {
      const name = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(s.slice(i, i + 300));
      if (!name) return rejected;
      word().dynamic = true;
      i += name[0].length - 1;
      continue;
    }
    word().text += c;
  }
  return sq || dq ? rejected : out;
}
