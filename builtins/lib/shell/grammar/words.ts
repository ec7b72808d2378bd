// Reading one word: quote removal ('…', "…", \x, $'…' with its C escapes decoded), `$NAME` and
// `${…}` kept as written, and the unquoted `{ , }` and glob characters noted for expansion.
// The expanded parts of a word ($…, "…", backticks) are read by dollar.ts.
import { syntax, type Parser, type Word } from "../types.ts";
import { readBacktick, readDollar, readDouble, wordText } from "./dollar.ts";

const META = " \t\n;&|()<>";
/** A leading `NAME=value` word (also `NAME+=…`, `NAME[i]=…`). */
export const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

export function readWord(p: Parser): Word {
  const s = p.s;
  const t = s.text;
  const start = s.pos;
  const w = wordText();
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) break;
    if (s.pos === start && (c === "<" || c === ">") && t[s.pos + 1] === "(") {
      s.pos += 2;
      p.sh.grammar.substitution(p);
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

