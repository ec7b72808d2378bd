// The code inside a word: `$( … )`, `<( … )`, `>( … )` and backticks are parsed as commands;
// `$(( … ))` and `${ … }` are scanned to their end, running any substitutions inside them.
import { advance, isOp } from "./lexer.ts";
import { MAX_DEPTH } from "./limits.ts";
import { deeper, parseInto, parseList } from "./parser.ts";
import { syntax, type Parser } from "./types.ts";
import { builder, readDollar, readDouble, type Builder } from "./words.ts";

// Runs the commands of a `` `…` `` substitution; the backslash-escapes inside are undone first.
export function readBacktick(p: Parser, w: Builder): void {
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
  parseInto(p.sh, inner, { ...p.ctx, wrappers: [] });
}

// `$( … )`, `<( … )`, `>( … )`: parsed in place, up to the matching `)`.
export function nested(p: Parser): void {
  if (p.ctx.depth >= MAX_DEPTH || p.sh.stopped) throw syntax("nested too deeply");
  const q: Parser = { s: p.s, tok: { t: "eof", start: 0 }, ctx: { wrappers: [], fn: p.ctx.fn, depth: p.ctx.depth + 1 }, sh: p.sh };
  advance(q);
  parseList(q, { ops: [")"], words: [] });
  if (!isOp(q.tok, ")")) throw syntax("unterminated command substitution");
}

// After `((`: up to the matching `))`, running any substitutions inside. False when the
// parentheses close with a single `)` (then it was not arithmetic).
export function scanArith(p: Parser): boolean {
  return deeper(p, () => arith(p));
}

function arith(p: Parser): boolean {
  const s = p.s;
  const t = s.text;
  const scratch = builder();
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
  const scratch = builder();
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
