// The lexer: turns the script into tokens (words, operators, redirection operators) and, at
// each newline, reads the bodies of the heredocs opened on the line before. Words themselves
// are read by words.ts.
import { ShellSyntaxError, type Parser, type Token } from "../types.ts";
import { readBacktick, readDollar, wordText } from "./dollar.ts";
import { readWord } from "./words.ts";

/** Blanks between tokens (a newline is a token). Not `\r`: bash reads it as part of a word. */
const BLANK = " \t";

export const describe = (tok: Token) => (tok.t === "word" ? `word ${tok.w.raw}` : tok.t === "eof" ? "end of input" : `'${tok.v === "\n" ? "newline" : tok.v}'`);
// The current token, read through a call so TypeScript does not keep a narrowing across advance().
export const cur = (p: Parser): Token => p.tok;
export const isOp = (tok: Token, v: string) => tok.t === "op" && tok.v === v;
export const isWord = (tok: Token, raw: string) => tok.t === "word" && tok.w.raw === raw;

export function advance(p: Parser): void {
  p.tok = lex(p);
}

export function skipNewlines(p: Parser): void {
  while (isOp(p.tok, "\n")) advance(p);
}

function lex(p: Parser): Token {
  const s = p.s;
  const t = s.text;
  for (;;) {
    const c = t[s.pos];
    if (c !== undefined && BLANK.includes(c)) s.pos++;
    else if (c === "\\" && t[s.pos + 1] === "\n") s.pos += 2;
    else if (c === "#") while (s.pos < t.length && t[s.pos] !== "\n") s.pos++;
    else break;
  }
  const start = s.pos;
  const c = t[start];
  const n = t[start + 1];
  if (c === undefined) return { t: "eof", start };
  const op = (v: string): Token => ((s.pos += v.length), { t: "op", v, start });
  const redir = (v: string, fd: number | null, skip: number): Token => ((s.pos += skip + v.length), { t: "redir", v, fd, start });
  switch (c) {
    case "\n":
      s.pos++;
      readHeredocs(p);
      return { t: "op", v: "\n", start };
    case ";":
      return op(n === ";" ? (t[start + 2] === "&" ? ";;&" : ";;") : n === "&" ? ";&" : ";");
    case "&":
      if (n === "&") return op("&&");
      if (n === ">") return redir(t[start + 2] === ">" ? "&>>" : "&>", null, 0);
      return op("&");
    case "|":
      return op(n === "|" ? "||" : n === "&" ? "|&" : "|");
    case "(":
    case ")":
      return op(c);
    case "<":
    case ">":
      if (n === "(") break;
      return redir(redirOp(t, start), null, 0);
  }
  if (c >= "0" && c <= "9") {
    let e = start;
    while (t[e] !== undefined && t[e]! >= "0" && t[e]! <= "9") e++;
    if ((t[e] === "<" || t[e] === ">") && t[e + 1] !== "(") return redir(redirOp(t, e), Number(t.slice(start, e)), e - start);
  }
  return { t: "word", w: readWord(p), start };
}

function redirOp(t: string, at: number): string {
  for (const v of ["<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">"]) if (t.startsWith(v, at)) return v;
  return t[at]!;
}

// Heredoc bodies start on the line after the command; read them when that newline is lexed.
function readHeredocs(p: Parser): void {
  const s = p.s;
  const t = s.text;
  while (s.heredocs.length > 0) {
    const h = s.heredocs.shift()!;
    let body = "";
    while (s.pos < t.length) {
      let e = t.indexOf("\n", s.pos);
      if (e < 0) e = t.length;
      const line = t.slice(s.pos, e);
      s.pos = Math.min(e + 1, t.length);
      const text = h.strip ? line.replace(/^\t+/, "") : line;
      if (text === h.delim) break;
      body += text + "\n";
    }
    h.redirect.body = body;
    if (h.exec) p.sh.grammar.script(p.sh, body, h.exec);
    else if (!h.quoted) scanExpansions(p, body);
  }
}

// Text the shell expands later runs the substitutions in it: an unquoted heredoc body, or an
// arithmetic expression (`let 'x=a[$(cmd)]'` runs cmd).
export function scanExpansions(p: Parser, text: string): void {
  const q: Parser = { s: { text, pos: 0, heredocs: [] }, tok: { t: "eof", start: 0 }, ctx: { ...p.ctx, wrappers: [] }, sh: p.sh };
  const scratch = wordText();
  try {
    while (q.s.pos < text.length) {
      const c = text[q.s.pos];
      if (c === "\\") q.s.pos += 2;
      else if (c === "$") readDollar(q, scratch, true);
      else if (c === "`") readBacktick(q, scratch);
      else q.s.pos++;
    }
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    p.sh.error ??= e.message;
  }
}
