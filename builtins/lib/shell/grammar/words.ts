// Reading one word: quote removal ('…', "…", \x, $'…' with its C escapes decoded), `$NAME` and
// `${…}` kept as written, and the unquoted `{ , }` and glob characters noted for expansion.
// The code inside a word ($( ), backticks, $(( )), ${ }) is handled by substitutions.ts.
import { nested, readBacktick, scanArith, scanParam } from "./substitutions.ts";
import { syntax, type Parser, type Word } from "./types.ts";
import { own } from "./util.ts";

const META = " \t\n;&|()<>";
/** A leading `NAME=value` word (also `NAME+=…`, `NAME[i]=…`). */
export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

export interface Builder { text: string; dynamic: boolean; glob: boolean; quoted: boolean; braces: number[]; bracket: boolean }
export const builder = (): Builder => ({ text: "", dynamic: false, glob: false, quoted: false, braces: [], bracket: false });

export function readWord(p: Parser): Word {
  const s = p.s;
  const t = s.text;
  const start = s.pos;
  const w = builder();
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) break;
    if (s.pos === start && (c === "<" || c === ">") && t[s.pos + 1] === "(") {
      s.pos += 2;
      nested(p);
      w.text += t.slice(start, s.pos);
      w.dynamic = true;
      continue;
    }
    if (META.includes(c)) break;
    if (c === "\\") {
      const n = t[s.pos + 1];
      if (n === undefined) { s.pos++; break; }
      s.pos += 2;
      if (n !== "\n") { w.text += n; w.quoted = true; }
    } else if (c === "'") {
      const end = t.indexOf("'", s.pos + 1);
      if (end < 0) throw syntax("unterminated single quote");
      w.text += t.slice(s.pos + 1, end);
      w.quoted = true;
      s.pos = end + 1;
    } else if (c === '"') {
      s.pos++;
      readDouble(p, w);
    } else if (c === "$") {
      readDollar(p, w, false);
    } else if (c === "`") {
      readBacktick(p, w);
    } else {
      if (c === "*" || c === "?") w.glob = true;
      else if (c === "[") w.bracket = true;
      else if (c === "]" && w.bracket) w.glob = true;
      else if (c === "{" || c === "}" || c === ",") w.braces.push(w.text.length);
      w.text += c;
      s.pos++;
    }
  }
  return { text: w.text, raw: t.slice(start, s.pos), end: s.pos, dynamic: w.dynamic, glob: w.glob, quoted: w.quoted, braces: w.braces };
}

export function readDouble(p: Parser, w: Builder): void {
  const s = p.s;
  const t = s.text;
  w.quoted = true;
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) throw syntax("unterminated double quote");
    if (c === '"') { s.pos++; return; }
    if (c === "\\") {
      const n = t[s.pos + 1];
      if (n === "\n") s.pos += 2;
      else if (n !== undefined && '$`"\\'.includes(n)) { w.text += n; s.pos += 2; }
      else { w.text += c; s.pos++; }
    } else if (c === "$") readDollar(p, w, true);
    else if (c === "`") readBacktick(p, w);
    else { w.text += c; s.pos++; }
  }
}

export function readDollar(p: Parser, w: Builder, inDouble: boolean): void {
  const s = p.s;
  const t = s.text;
  const start = s.pos;
  const n = t[start + 1];
  if (n === "(") {
    s.pos += 2;
    // `$((` is arithmetic unless it does not close with `))`, then it is `$( (…) )`.
    if (t[s.pos] === "(") {
      s.pos++;
      if (!scanArith(p)) { s.pos = start + 2; nested(p); }
    } else nested(p);
  } else if (n === "{") {
    s.pos += 2;
    scanParam(p);
  } else if (n === "'" && !inDouble) {
    s.pos += 2;
    w.text += ansiC(p);
    w.quoted = true;
    return;
  } else if (n === '"' && !inDouble) {
    s.pos += 2;
    readDouble(p, w);
    return;
  } else if (n !== undefined && /[A-Za-z_]/.test(n)) {
    s.pos += 2;
    while (s.pos < t.length && /[A-Za-z0-9_]/.test(t[s.pos]!)) s.pos++;
  } else if (n !== undefined && /[0-9@*#?$!-]/.test(n)) {
    s.pos += 2;
  } else {
    w.text += "$";
    s.pos++;
    return;
  }
  w.text += t.slice(start, s.pos);
  w.dynamic = true;
}

const ANSI: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?" };

// `$'…'` with its C escapes decoded, so `$'\x72m'` is `rm`. Bash ends the string at a decoded
// NUL (`$'rm\0x'` is `rm`) but still reads up to the closing quote.
function ansiC(p: Parser): string {
  const s = p.s;
  const t = s.text;
  let out = "";
  let cut = false;
  const add = (text: string) => {
    if (cut) return;
    const nul = text.indexOf("\0");
    cut = nul >= 0;
    out += cut ? text.slice(0, nul) : text;
  };
  const digits = (re: RegExp, max: number) => {
    let d = "";
    while (d.length < max && t[s.pos] !== undefined && re.test(t[s.pos]!)) d += t[s.pos++];
    return d;
  };
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) throw syntax("unterminated $'");
    if (c === "'") { s.pos++; return out; }
    if (c !== "\\") { add(c); s.pos++; continue; }
    const n = t[s.pos + 1] ?? "";
    s.pos += 2;
    const esc = own(ANSI, n);
    if (esc !== undefined) add(esc);
    else if (n === "x" || n === "u" || n === "U") {
      const d = digits(/[0-9a-fA-F]/, n === "x" ? 2 : n === "u" ? 4 : 8);
      const code = d ? parseInt(d, 16) : NaN;
      add(code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : `\\${n}${d}`);
    } else if (n >= "0" && n <= "7") {
      s.pos--;
      add(String.fromCharCode(parseInt(digits(/[0-7]/, 3), 8) & 0xff));
    } else if (n === "c") {
      const ch = t[s.pos++] ?? "";
      add(String.fromCharCode(ch.charCodeAt(0) & 0x1f));
    } else add(`\\${n}`);
  }
}
