// Compound commands that start with a keyword: `for`/`select` (header skipped, body parsed by
// the list around it), `case`, function definitions, and `[[ … ]]` as one command.
import { syntax, type Arg, type Parser } from "../types.ts";
import { range } from "../util.ts";
import { scanArith } from "./dollar.ts";
import { advance, cur, isOp, isWord, scanExpansions, skipNewlines } from "./lexer.ts";

const CASE_ENDS = [";;", ";&", ";;&"];
const ARITH_TESTS = new Set(["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);

export function parseFor(p: Parser): number[] {
  advance(p);
  if (isOp(p.tok, "(") && p.s.text[p.s.pos] === "(") {
    p.s.pos++;
    if (!scanArith(p)) throw syntax("unterminated for ((");
    advance(p);
    return [];
  }
  const name = p.tok.t === "word" ? p.tok.w.text : "";
  if (p.tok.t === "word") advance(p);
  skipNewlines(p);
  if (isWord(p.tok, "in")) {
    advance(p);
    const values: string[] = [];
    for (let tok = cur(p); tok.t === "word" && !isWord(tok, "do"); tok = cur(p)) {
      if (!tok.w.dynamic && !tok.w.glob) values.push(`${name}=${tok.w.text}`);
      advance(p);
    }
    // The loop variable takes each word in turn: the analysis hears of it as assignments.
    p.sh.build.assigned(p, values);
  }
  return [];
}

export function parseCase(p: Parser): number[] {
  const start = p.sh.out.length;
  advance(p);
  if (cur(p).t !== "word") throw syntax("expected a word after case");
  advance(p);
  skipNewlines(p);
  if (!isWord(p.tok, "in")) throw syntax("expected in");
  advance(p);
  for (;;) {
    while (isOp(p.tok, "\n") || isOp(p.tok, ";")) advance(p);
    if (isWord(p.tok, "esac")) { advance(p); break; }
    if (p.tok.t === "eof") throw syntax("unterminated case");
    if (isOp(p.tok, "(")) advance(p);
    while (p.tok.t === "word" || isOp(p.tok, "|")) advance(p);
    if (!isOp(p.tok, ")")) throw syntax("bad case pattern");
    advance(p);
    p.sh.grammar.list(p, { ops: CASE_ENDS, words: ["esac"] });
    if (p.tok.t === "op" && CASE_ENDS.includes(p.tok.v)) advance(p);
  }
  return p.sh.grammar.withRedirects(p, range(start, p.sh.out.length));
}

export function parseFunction(p: Parser): number[] {
  advance(p);
  const name = p.tok.t === "word" ? p.tok.w.text : "";
  if (!name) throw syntax("expected a function name");
  advance(p);
  if (isOp(p.tok, "(")) {
    advance(p);
    if (!isOp(p.tok, ")")) throw syntax("expected ) in function definition");
    advance(p);
  }
  return functionBody(p, name);
}

export function functionBody(p: Parser, name: string): number[] {
  skipNewlines(p);
  p.sh.functions.push(name);
  const saved = p.ctx;
  p.ctx = { ...saved, fn: name };
  try {
    return p.sh.grammar.command(p);
  } finally {
    p.ctx = saved;
  }
}

// `[[ … ]]`: its `<`, `>`, `&&`, `(` are operands, not redirections or lists.
export function parseCond(p: Parser): number[] {
  const args: Arg[] = [{ text: "[[", dynamic: false, glob: false }];
  advance(p);
  for (;;) {
    const tok = p.tok;
    if (tok.t === "eof") throw syntax("unterminated [[");
    if (isWord(tok, "]]")) { advance(p); break; }
    if (tok.t === "word") args.push({ text: tok.w.text, dynamic: tok.w.dynamic, glob: false });
    else if (tok.t !== "op" || tok.v !== "\n") args.push({ text: tok.v, dynamic: false, glob: false });
    advance(p);
  }
  args.push({ text: "]]", dynamic: false, glob: false });
  // The operands of -eq, -lt, … are arithmetic, which runs the substitutions in their text.
  args.forEach((a, i) => { if (ARITH_TESTS.has(args[i - 1]?.text ?? "") || ARITH_TESTS.has(args[i + 1]?.text ?? "")) scanExpansions(p, a.text); });
  return p.sh.grammar.withRedirects(p, p.sh.build.cond(p, args));
}
