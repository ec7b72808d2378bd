// The parts of a word that the shell expands: double quotes, `$'…'` (its C escapes decoded),
// `$NAME`, `${ … }` and `$(( … ))` (scanned to their end, running the substitutions inside) and
// the command substitutions `$( … )` and backticks, whose commands the grammar parses (through
// Shared.grammar, as they hold whole lists).
import { deeper } from "../limits.ts";
import { escapeAt } from "../escapes.ts";
import { syntax, type Parser } from "../types.ts";

/** The text of a word as it is read, with what its reading found. */
export interface WordText { text: string; dynamic: boolean; glob: boolean; quoted: boolean; braces: number[]; bracket: boolean }
export const wordText = (): WordText => ({ text: "", dynamic: false, glob: false, quoted: false, braces: [], bracket: false });

export function readDouble(p: Parser, w: WordText): void {
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

export function readDollar(p: Parser, w: WordText, inDouble: boolean): void {
  const s = p.s;
  const t = s.text;
  const start = s.pos;
  const n = t[start + 1];
  if (n === "(") {
    s.pos += 2;
    // `$((` is arithmetic unless it does not close with `))`, then it is `$( (…) )`.
    if (t[s.pos] === "(") {
      s.pos++;
      if (!scanArith(p)) { s.pos = start + 2; p.sh.grammar.substitution(p); }
    } else p.sh.grammar.substitution(p);
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

// `$'…'` with its C escapes decoded (escapes.ts), so `$'\x72m'` is `rm`. Bash ends the
// string at a decoded NUL (`$'rm\0x'` is `rm`) but still reads up to the closing quote.
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
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) throw syntax("unterminated $'");
    if (c === "'") { s.pos++; return out; }
    if (c !== "\\") { add(c); s.pos++; continue; }
    const n = t[s.pos + 1] ?? "";
    if (n === "c") {
      const ch = t[s.pos + 2] ?? "";
      s.pos += 3;
      add(String.fromCharCode(ch.charCodeAt(0) & 0x1f));
      continue;
    }
    const e = escapeAt(t, s.pos, "ansi");
    if (e) { add(e.value); s.pos = e.end; } else { add(`\\${n}`); s.pos += 2; }
  }
}

// Runs the commands of a `` `…` `` substitution; the backslash-escapes inside are undone first.
export function readBacktick(p: Parser, w: WordText): void {
  const s = p.s;
  const t = s.text;
  let i = s.pos + 1;
  let inner = "";
  for (;;) {
    const c = t[i];
    if (c === undefined) throw syntax("unterminated backquote");
    if (c === "`") break;
    if (c === "\\" && t[i + 1] !== undefined && "$`\\".includes(t[i + 1]!)) { inner += t[i + 1]; i += 2; }
    else { inner += c; i++; }
  }
  w.text += t.slice(s.pos, i + 1);
  w.dynamic = true;
  s.pos = i + 1;
  p.sh.grammar.script(p.sh, inner, { ...p.ctx, wrappers: [] });
}

// After `((`: up to the matching `))`, running any substitutions inside. False when the
// parentheses close with a single `)` (then it was not arithmetic).
export function scanArith(p: Parser): boolean {
  return deeper(p, () => arith(p));
}

function arith(p: Parser): boolean {
  const s = p.s;
  const t = s.text;
  const scratch = wordText();
  let depth = 0;
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) throw syntax("unterminated arithmetic");
    if (c === "(") { depth++; s.pos++; }
    else if (c === ")") {
      if (depth === 0) {
        if (t[s.pos + 1] !== ")") return false;
        s.pos += 2;
        return true;
      }
      depth--;
      s.pos++;
    } else if (c === "$") readDollar(p, scratch, true);
    else if (c === "`") readBacktick(p, scratch);
    else if (c === '"') { s.pos++; readDouble(p, scratch); }
    else if (c === "\\") s.pos += 2;
    else s.pos++;
  }
}

// After `${`: up to the matching `}`, running any substitutions inside (`${x:-$(cmd)}`).
export function scanParam(p: Parser): void {
  deeper(p, () => param(p));
}

function param(p: Parser): void {
  const s = p.s;
  const t = s.text;
  const scratch = wordText();
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) throw syntax("unterminated ${");
    if (c === "}") { s.pos++; return; }
    if (c === "\\") s.pos += 2;
    else if (c === "'") {
      const end = t.indexOf("'", s.pos + 1);
      if (end < 0) throw syntax("unterminated single quote");
      s.pos = end + 1;
    } else if (c === '"') { s.pos++; readDouble(p, scratch); }
    else if (c === "$") readDollar(p, scratch, true);
    else if (c === "`") readBacktick(p, scratch);
    else s.pos++;
  }
}
