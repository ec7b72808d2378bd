// The grammar: lists (; & && || newlines), pipelines, subshells, brace groups, simple commands
// and their redirections and heredocs, reported to the analysis (Shared.build) as they are
// read. parseInto parses a whole script, or one found inside another (sh -c, eval, backticks),
// within the depth and size bounds. Compound commands that start with a keyword (for, case,
// function, [[) are in compound.ts.
import { MAX_DEPTH, MAX_PARSED, deeper } from "../limits.ts";
import { ShellSyntaxError, syntax, type Ctx, type Grammar, type Parser, type Redirect, type Shared, type Terms, type Word } from "../types.ts";
import { range } from "../util.ts";
import { functionBody, parseCase, parseCond, parseFor, parseFunction } from "./compound.ts";
import { scanArith } from "./dollar.ts";
import { advance, describe, isOp, isWord, skipNewlines } from "./lexer.ts";
import { ASSIGNMENT } from "./words.ts";

const NO_TERMS: Terms = { ops: [], words: [] };
const TRANSPARENT = new Set(["if", "then", "elif", "else", "do", "while", "until", "!", "time", "coproc"]);
const CLOSERS = new Set(["fi", "done", "esac", "}"]);
// After the word `time`: an option (past an optional -p) other than -p, read from the text.
const TIME_OPTION = /^[ \t]+(?:-p[ \t]+)?-(?!p(?:[\s;&|)]|$))/;
const timeProgram = (p: Parser) => TIME_OPTION.test(p.s.text.slice(p.s.pos, p.s.pos + 32));
const WRITE_OPS = new Set([">", ">>", ">|", "&>", "&>>", "<>"]);

export function parseInto(sh: Shared, text: string, ctx: Ctx): number[] {
  const start = sh.out.length;
  if (sh.stopped) return [];
  if (ctx.depth > MAX_DEPTH) {
    sh.error ??= "nested too deeply";
    return [];
  }
  // Scripts inside scripts (sh -c, eval, backticks) are parsed again; bound the total.
  sh.parsed += text.length;
  if (sh.parsed > MAX_PARSED) {
    sh.error ??= "too much nested input";
    sh.stopped = true;
    return [];
  }
  const p: Parser = { s: { text, pos: 0, heredocs: [] }, tok: { t: "eof", start: 0 }, ctx: { ...ctx, depth: ctx.depth + 1 }, sh };
  try {
    advance(p);
    parseList(p, NO_TERMS);
    if (p.tok.t !== "eof") throw syntax(`unexpected ${describe(p.tok)}`);
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    sh.error ??= e.message;
  }
  return range(start, sh.out.length);
}

// `$( … )`, `<( … )`, `>( … )`: parsed in place, up to the matching `)`.
function substitution(p: Parser): void {
  if (p.ctx.depth >= MAX_DEPTH || p.sh.stopped) throw syntax("nested too deeply");
  const q: Parser = { s: p.s, tok: { t: "eof", start: 0 }, ctx: { wrappers: [], fn: p.ctx.fn, depth: p.ctx.depth + 1 }, sh: p.sh };
  advance(q);
  parseList(q, { ops: [")"], words: [] });
  if (!isOp(q.tok, ")")) throw syntax("unterminated command substitution");
}

function atEnd(p: Parser, terms: Terms): boolean {
  const tok = p.tok;
  return tok.t === "eof" || (tok.t === "op" && terms.ops.includes(tok.v)) || (tok.t === "word" && terms.words.includes(tok.w.raw));
}

function parseList(p: Parser, terms: Terms): void {
  for (;;) {
    while (isOp(p.tok, "\n") || isOp(p.tok, ";")) advance(p);
    if (atEnd(p, terms)) return;
    const idx = parseAndOr(p);
    if (isOp(p.tok, "&")) {
      p.sh.build.background(p, idx);
      advance(p);
    } else if (isOp(p.tok, ";") || isOp(p.tok, "\n")) advance(p);
    else if (atEnd(p, terms)) return;
    else throw syntax(`unexpected ${describe(p.tok)}`);
  }
}

function parseAndOr(p: Parser): number[] {
  const all = parsePipeline(p);
  while (isOp(p.tok, "&&") || isOp(p.tok, "||")) {
    advance(p);
    skipNewlines(p);
    all.push(...parsePipeline(p));
  }
  return all;
}

function parsePipeline(p: Parser): number[] {
  let prev = parseCommand(p);
  const all = [...prev];
  while (isOp(p.tok, "|") || isOp(p.tok, "|&")) {
    advance(p);
    skipNewlines(p);
    const next = parseCommand(p);
    p.sh.build.piped(p, prev, next);
    all.push(...next);
    prev = next;
  }
  return all;
}

function parseCommand(p: Parser): number[] {
  return deeper(p, () => parseCompound(p));
}

function parseCompound(p: Parser): number[] {
  const tok = p.tok;
  if (isOp(tok, "(")) {
    if (p.s.text[p.s.pos] === "(") {
      p.s.pos++;
      if (!scanArith(p)) throw syntax("unterminated arithmetic");
      advance(p);
      return withRedirects(p, []);
    }
    advance(p);
    const idx = group(p, { ops: [")"], words: [] });
    if (!isOp(p.tok, ")")) throw syntax("expected )");
    advance(p);
    return withRedirects(p, idx);
  }
  if (isWord(tok, "{")) {
    advance(p);
    const idx = group(p, { ops: [], words: ["}"] });
    if (!isWord(p.tok, "}")) throw syntax("expected }");
    advance(p);
    return withRedirects(p, idx);
  }
  if (tok.t === "word" || tok.t === "redir") return parseSimple(p);
  throw syntax(`unexpected ${describe(tok)}`);
}

function group(p: Parser, terms: Terms): number[] {
  const start = p.sh.out.length;
  parseList(p, terms);
  return range(start, p.sh.out.length);
}

// Redirections after a compound command apply to everything inside it.
function withRedirects(p: Parser, idx: number[]): number[] {
  const redirects: Redirect[] = [];
  while (p.tok.t === "redir") redirects.push(parseRedirect(p));
  return redirects.length === 0 ? idx : p.sh.build.redirected(p, idx, redirects);
}

function parseRedirect(p: Parser): Redirect {
  const tok = p.tok;
  if (tok.t !== "redir") throw syntax("expected a redirection");
  advance(p);
  const target = p.tok;
  if (target.t !== "word") throw syntax(`missing target after ${tok.v}`);
  const w = target.w;
  let r: Redirect;
  if (tok.v === "<<" || tok.v === "<<-") {
    r = { op: tok.v, fd: tok.fd, target: w.text, write: false, dynamic: false };
    p.s.heredocs.push({ redirect: r, delim: w.text, strip: tok.v === "<<-", quoted: w.quoted, exec: null });
  } else if (tok.v === "<<<") {
    r = { op: tok.v, fd: tok.fd, target: w.text, write: false, dynamic: w.dynamic, body: w.text };
  } else {
    const write = WRITE_OPS.has(tok.v) || (tok.v === ">&" && !/^(\d+-?|-)$/.test(w.text));
    r = { op: tok.v, fd: tok.fd, target: w.text, write, dynamic: w.dynamic || w.glob };
  }
  advance(p);
  return r;
}

function parseSimple(p: Parser): number[] {
  const assigns: string[] = [];
  const words: Word[] = [];
  const redirects: Redirect[] = [];
  for (;;) {
    const tok = p.tok;
    if (tok.t === "redir") { redirects.push(parseRedirect(p)); continue; }
    if (tok.t !== "word") break;
    const w = tok.w;
    if (words.length === 0) {
      if (ASSIGNMENT.test(w.raw)) {
        assigns.push(w.text);
        advance(p);
        if (w.raw.endsWith("=") && isOp(p.tok, "(") && p.tok.start === w.end) skipArray(p);
        continue;
      }
      if (assigns.length === 0 && redirects.length === 0) {
        const r = w.raw;
        // `time -o FILE cmd`: bash's keyword takes only -p, but a shell without it (sh, dash)
        // runs /usr/bin/time, whose options the time wrapper reads. The sh reading is the one
        // that runs `cmd`, so an option other than -p makes it the time program.
        if (TRANSPARENT.has(r) && !(r === "time" && timeProgram(p))) {
          advance(p);
          if (r === "time" && isWord(p.tok, "-p")) advance(p);
          if (r === "coproc" && coprocName(p)) advance(p);
          skipNewlines(p);
          if (p.tok.t === "eof" || isOp(p.tok, ";") || isOp(p.tok, "&") || isOp(p.tok, ")")) return [];
          return parseCommand(p);
        }
        if (CLOSERS.has(r)) { advance(p); continue; }
        if (r === "for" || r === "select") return parseFor(p);
        if (r === "case") return parseCase(p);
        if (r === "function") return parseFunction(p);
        if (r === "[[") return parseCond(p);
      }
    }
    words.push(w);
    advance(p);
    if (words.length === 1 && assigns.length === 0 && redirects.length === 0 && isOp(p.tok, "(")) {
      advance(p);
      if (!isOp(p.tok, ")")) throw syntax("expected ) in function definition");
      advance(p);
      return functionBody(p, w.text);
    }
  }
  if (words.length === 0 && redirects.length === 0 && assigns.length === 0) return [];
  return p.sh.build.simple(p, words, redirects, assigns);
}

// `coproc NAME { …; }` and `coproc NAME ( … )` name the coprocess; in `coproc NAME args` the
// word is the command. Tells them apart by the text after the word.
const COMPOUND_AFTER = /[ \t]*(\{[ \t\n]|\()/y;
function coprocName(p: Parser): boolean {
  if (p.tok.t !== "word" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.tok.w.raw)) return false;
  COMPOUND_AFTER.lastIndex = p.s.pos;
  return COMPOUND_AFTER.test(p.s.text);
}

function skipArray(p: Parser): void {
  advance(p);
  while (p.tok.t === "word" || isOp(p.tok, "\n")) advance(p);
  if (!isOp(p.tok, ")")) throw syntax("unterminated array assignment");
  advance(p);
}

/** The entry points the lower grammar files recurse through (see Grammar in types.ts). */
export const GRAMMAR: Grammar = { script: parseInto, list: parseList, command: parseCommand, withRedirects, substitution };
