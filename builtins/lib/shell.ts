// A shell command parser for policy decisions: it finds every simple command a bash command
// line would run, so a policy can judge `sudo bash -c 'cd / && r""m -rf *'` as `rm -rf *`.
//
//   parseShell(script) → { commands, functions, dynamic, error }
//
// `commands` is flat, in the order the shell would start them (a command substitution comes
// before the command whose word contains it). It includes the commands inside chains (&& || ;
// & | newlines), subshells, brace groups, if/while/for/case bodies, function bodies, $( ),
// backticks, <( ) and >( ), `sh|bash|zsh -c STRING`, `eval`, `su -c`, `watch`, `find -exec`,
// `xargs`, heredocs and here-strings fed to a shell, `echo … | sh`, alias values, and git
// `-c alias.x=!cmd` style config values. Wrappers (sudo, doas, env, nohup, time, nice, timeout,
// exec, command, builtin, xargs, stdbuf, setsid, chroot, busybox, flock, script -c, strace, …)
// are peeled off: the command is what they run, and their names are listed in `wrappers`.
//
// Each SimpleCommand:
//   argv         words after quote removal and brace expansion. Expansions the parser cannot
//                evaluate keep their source text: `$HOME`, `${X:-y}`, `$(cmd)`, `` `cmd` ``.
//   name         basename of argv[0] ("" for a command with no words, e.g. `> file` alone).
//   dynamic      the command word is not known statically (a variable, a substitution, a glob,
//                `bash -c "$X"`, `eval $X`, a shell reading a script from a pipe). Policies
//                should not ALLOW what they cannot see.
//   dynamicArgs  some argument is an expansion, or arguments come from stdin (xargs, find -exec).
//   assignments  leading `NAME=value` words (and `env NAME=value`), as written.
//   redirects    { op, fd, target, write, dynamic, body? }; `write` is true when a file is opened
//                for writing (`>`, `>>`, `>|`, `&>`, `&>>`, `<>`, `>& file`), not for `2>&1`.
//                Heredoc bodies and here-strings are in `body`.
//   wrappers     commands that ran this one, outermost first: ["sudo", "bash"].
//   background   ended by `&`.
//   pipedFrom / pipedTo   indices into `commands` of the other side of a `|`.
//   runsStdin    a shell or interpreter that executes its standard input as code.
//   inFunction   the name of the function whose body holds this command, else null.
//
// `dynamic` on the result is true when any command is dynamic or parsing failed; `error` says
// why parsing stopped (syntax error, too long, too deep, too many commands). Commands found
// before an error are still returned, so a policy can DENY what it did see.
//
// Bounds, so a parse costs time linear in its input: scripts over MAX_SCRIPT characters are not
// parsed; nesting stops at MAX_DEPTH; scripts parsed again from inside others (sh -c, eval,
// backticks) add up to at most MAX_PARSED characters; at most MAX_COMMANDS commands; brace
// expansion makes at most MAX_EXPAND words per word and MAX_EXPANSIONS per parse. Hitting a
// bound is an `error` (so `dynamic`), never a silent truncation.

export interface Redirect {
  op: string;
  fd: number | null;
  target: string;
  write: boolean;
  dynamic: boolean;
  body?: string;
}

export interface SimpleCommand {
  argv: string[];
  name: string;
  dynamic: boolean;
  dynamicArgs: boolean;
  assignments: string[];
  redirects: Redirect[];
  wrappers: string[];
  background: boolean;
  pipedFrom: number[];
  pipedTo: number[];
  runsStdin: boolean;
  inFunction: string | null;
}

export interface ShellParse {
  commands: SimpleCommand[];
  /** Names of functions defined in the script (their bodies are in `commands`). */
  functions: string[];
  dynamic: boolean;
  error: string | null;
}

export const MAX_SCRIPT = 64 * 1024;
const MAX_DEPTH = 16;
const MAX_PARSED = 2 * MAX_SCRIPT;
const MAX_COMMANDS = 2000;
const MAX_EXPAND = 256;
const MAX_EXPANSIONS = 4096;
const MAX_BRACE_WORD = 1024;
const MAX_HOPS = 16;

export const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "fish"]);
const INTERPRETER = /^(python[0-9.]*|perl[0-9.]*|ruby|node|nodejs|php[0-9.]*|lua[0-9.]*)$/;

/** Parses a command line into the simple commands it would run. Never throws. */
export function parseShell(script: string): ShellParse {
  const sh: Shared = { out: [], functions: [], error: null, dynamic: false, expansions: 0, parsed: 0, stopped: false };
  if (script.length > MAX_SCRIPT) return { commands: [], functions: [], dynamic: true, error: `command longer than ${MAX_SCRIPT} characters` };
  parseInto(sh, script, { wrappers: [], fn: null, depth: 0 });
  return { commands: sh.out, functions: sh.functions, dynamic: sh.dynamic || sh.error !== null, error: sh.error };
}

/** table[key] when key is the table's own (not `constructor`, `__proto__`, …). */
export const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** The last path component: `/usr/bin/rm` → `rm`. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

// ---- internals ---------------------------------------------------------------------------

// Not an Error: a thrown Error captures a stack trace, which costs more than a parse step.
class ShellSyntaxError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}
const syntax = (message: string) => new ShellSyntaxError(message);

interface Shared { out: SimpleCommand[]; functions: string[]; error: string | null; dynamic: boolean; expansions: number; parsed: number; stopped: boolean }
interface Ctx { wrappers: string[]; fn: string | null; depth: number }
interface Pending { redirect: Redirect; delim: string; strip: boolean; quoted: boolean; exec: Ctx | null }
interface Source { text: string; pos: number; heredocs: Pending[] }
interface Word { text: string; raw: string; end: number; dynamic: boolean; glob: boolean; quoted: boolean; braces: number[] }
type Token =
  | { t: "word"; w: Word; start: number }
  | { t: "op"; v: string; start: number }
  | { t: "redir"; v: string; fd: number | null; start: number }
  | { t: "eof"; start: number };
interface Parser { s: Source; tok: Token; ctx: Ctx; sh: Shared }
interface Arg { text: string; dynamic: boolean; glob: boolean }
interface Terms { ops: readonly string[]; words: readonly string[] }

const NO_TERMS: Terms = { ops: [], words: [] };
const CASE_ENDS = [";;", ";&", ";;&"];
const BLANK = " \t\r";
const META = " \t\r\n;&|()<>";
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;
const TRANSPARENT = new Set(["if", "then", "elif", "else", "do", "while", "until", "!", "time", "coproc"]);
const CLOSERS = new Set(["fi", "done", "esac", "}"]);
const WRITE_OPS = new Set([">", ">>", ">|", "&>", "&>>", "<>"]);

function parseInto(sh: Shared, text: string, ctx: Ctx): number[] {
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

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const describe = (tok: Token) => (tok.t === "word" ? `word ${tok.w.raw}` : tok.t === "eof" ? "end of input" : `'${tok.v === "\n" ? "newline" : tok.v}'`);
// The current token, read through a call so TypeScript does not keep a narrowing across advance().
const cur = (p: Parser): Token => p.tok;
const isOp = (tok: Token, v: string) => tok.t === "op" && tok.v === v;
const isWord = (tok: Token, raw: string) => tok.t === "word" && tok.w.raw === raw;

// ---- lexer -------------------------------------------------------------------------------

function advance(p: Parser): void {
  p.tok = lex(p);
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

interface Builder { text: string; dynamic: boolean; glob: boolean; quoted: boolean; braces: number[]; bracket: boolean }
const builder = (): Builder => ({ text: "", dynamic: false, glob: false, quoted: false, braces: [], bracket: false });

function readWord(p: Parser): Word {
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

function readDouble(p: Parser, w: Builder): void {
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

function readDollar(p: Parser, w: Builder, inDouble: boolean): void {
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

// Runs the commands of a `` `…` `` substitution; the backslash-escapes inside are undone first.
function readBacktick(p: Parser, w: Builder): void {
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
function nested(p: Parser): void {
  if (p.ctx.depth >= MAX_DEPTH || p.sh.stopped) throw syntax("nested too deeply");
  const q: Parser = { s: p.s, tok: { t: "eof", start: 0 }, ctx: { wrappers: [], fn: p.ctx.fn, depth: p.ctx.depth + 1 }, sh: p.sh };
  advance(q);
  parseList(q, { ops: [")"], words: [] });
  if (!isOp(q.tok, ")")) throw syntax("unterminated command substitution");
}

// After `((`: up to the matching `))`, running any substitutions inside. False when the
// parentheses close with a single `)` (then it was not arithmetic).
function scanArith(p: Parser): boolean {
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
function scanParam(p: Parser): void {
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

const ANSI: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", v: "\v", "\\": "\\", "'": "'", '"': '"', "?": "?" };

// `$'…'` with its C escapes decoded, so `$'\x72m'` is `rm`.
function ansiC(p: Parser): string {
  const s = p.s;
  const t = s.text;
  let out = "";
  const digits = (re: RegExp, max: number) => {
    let d = "";
    while (d.length < max && t[s.pos] !== undefined && re.test(t[s.pos]!)) d += t[s.pos++];
    return d;
  };
  for (;;) {
    const c = t[s.pos];
    if (c === undefined) throw syntax("unterminated $'");
    if (c === "'") { s.pos++; return out; }
    if (c !== "\\") { out += c; s.pos++; continue; }
    const n = t[s.pos + 1] ?? "";
    s.pos += 2;
    const esc = own(ANSI, n);
    if (esc !== undefined) out += esc;
    else if (n === "x" || n === "u" || n === "U") {
      const d = digits(/[0-9a-fA-F]/, n === "x" ? 2 : n === "u" ? 4 : 8);
      const code = d ? parseInt(d, 16) : NaN;
      out += code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : `\\${n}${d}`;
    } else if (n >= "0" && n <= "7") {
      s.pos--;
      out += String.fromCharCode(parseInt(digits(/[0-7]/, 3), 8) & 0xff);
    } else if (n === "c") {
      const ch = t[s.pos++] ?? "";
      out += String.fromCharCode(ch.charCodeAt(0) & 0x1f);
    } else out += `\\${n}`;
  }
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
      const cmp = (h.strip ? line.replace(/^\t+/, "") : line).replace(/\r$/, "");
      if (cmp === h.delim) break;
      body += (h.strip ? line.replace(/^\t+/, "") : line) + "\n";
    }
    h.redirect.body = body;
    if (h.exec) parseInto(p.sh, body, h.exec);
    else if (!h.quoted) scanExpansions(p, body);
  }
}

// An unquoted heredoc body is expanded: run the substitutions in it.
function scanExpansions(p: Parser, text: string): void {
  const q: Parser = { s: { text, pos: 0, heredocs: [] }, tok: { t: "eof", start: 0 }, ctx: { ...p.ctx, wrappers: [] }, sh: p.sh };
  const scratch = builder();
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

// ---- parser ------------------------------------------------------------------------------

function atEnd(p: Parser, terms: Terms): boolean {
  const tok = p.tok;
  return tok.t === "eof" || (tok.t === "op" && terms.ops.includes(tok.v)) || (tok.t === "word" && terms.words.includes(tok.w.raw));
}

function skipNewlines(p: Parser): void {
  while (isOp(p.tok, "\n")) advance(p);
}

function parseList(p: Parser, terms: Terms): void {
  for (;;) {
    while (isOp(p.tok, "\n") || isOp(p.tok, ";")) advance(p);
    if (atEnd(p, terms)) return;
    const idx = parseAndOr(p);
    if (isOp(p.tok, "&")) {
      for (const i of idx) p.sh.out[i]!.background = true;
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
    link(p, prev, next);
    all.push(...next);
    prev = next;
  }
  return all;
}

function link(p: Parser, from: number[], to: number[]): void {
  const out = p.sh.out;
  for (const a of from.slice(-64)) for (const b of to.slice(0, 64)) {
    out[a]!.pipedTo.push(b);
    out[b]!.pipedFrom.push(a);
  }
  // A shell reading its script from a pipe: parse the script when it is literally there
  // (`echo 'rm -rf /' | sh`, `cat <<EOF | bash`); otherwise nobody can tell what it runs.
  for (const b of to) {
    const cmd = out[b]!;
    if (!cmd.runsStdin || !SHELLS.has(cmd.name) || cmd.pipedFrom.length === 0) continue;
    const scripts = cmd.pipedFrom.map((a) => literalOutput(out[a]!));
    if (scripts.every((x) => x !== null)) for (const text of scripts) parseInto(p.sh, text!, { wrappers: [...cmd.wrappers, cmd.name], fn: cmd.inFunction, depth: p.ctx.depth });
    else markDynamic(p, cmd);
  }
}

// What `echo`, `printf` or `cat <<EOF` writes, when it is known statically.
function literalOutput(c: SimpleCommand): string | null {
  if (c.dynamic || c.dynamicArgs) return null;
  const args = c.argv.slice(1);
  if (c.name === "echo") {
    while (args[0] !== undefined && /^-[neE]+$/.test(args[0])) args.shift();
    return args.join(" ");
  }
  if (c.name === "printf") return args.join(" ").replace(/\\n/g, "\n");
  if (c.name === "cat" && args.every((a) => a === "-")) {
    const body = c.redirects.find((r) => r.op.startsWith("<<"))?.body;
    return body ?? null;
  }
  return null;
}

function markDynamic(p: Parser, c: SimpleCommand): void {
  c.dynamic = true;
  p.sh.dynamic = true;
}

function parseCommand(p: Parser): number[] {
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
  if (redirects.length === 0) return idx;
  if (idx.length === 0) return [push(p, [], redirects, [], p.ctx.wrappers, { dynamic: false, dynamicArgs: false, runsStdin: false })];
  for (const i of idx) p.sh.out[i]!.redirects.push(...redirects);
  return idx;
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
        if (TRANSPARENT.has(r)) {
          advance(p);
          if (r === "time" && isWord(p.tok, "-p")) advance(p);
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
  if (words.length === 0) {
    if (redirects.length === 0 && assigns.length === 0) return [];
    return [push(p, [], redirects, assigns, p.ctx.wrappers, { dynamic: false, dynamicArgs: false, runsStdin: false })];
  }
  return emit(p, expandWords(p.sh, words), redirects, assigns, p.ctx.wrappers, false);
}

function skipArray(p: Parser): void {
  advance(p);
  while (p.tok.t === "word" || isOp(p.tok, "\n")) advance(p);
  if (!isOp(p.tok, ")")) throw syntax("unterminated array assignment");
  advance(p);
}

function parseFor(p: Parser): number[] {
  advance(p);
  if (isOp(p.tok, "(") && p.s.text[p.s.pos] === "(") {
    p.s.pos++;
    if (!scanArith(p)) throw syntax("unterminated for ((");
    advance(p);
    return [];
  }
  if (p.tok.t === "word") advance(p);
  skipNewlines(p);
  if (isWord(p.tok, "in")) {
    advance(p);
    while (p.tok.t === "word" && !isWord(p.tok, "do")) advance(p);
  }
  return [];
}

function parseCase(p: Parser): number[] {
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
    parseList(p, { ops: CASE_ENDS, words: ["esac"] });
    if (p.tok.t === "op" && CASE_ENDS.includes(p.tok.v)) advance(p);
  }
  return withRedirects(p, range(start, p.sh.out.length));
}

function parseFunction(p: Parser): number[] {
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

function functionBody(p: Parser, name: string): number[] {
  skipNewlines(p);
  p.sh.functions.push(name);
  const saved = p.ctx;
  p.ctx = { ...saved, fn: name };
  try {
    return parseCommand(p);
  } finally {
    p.ctx = saved;
  }
}

// `[[ … ]]`: its `<`, `>`, `&&`, `(` are operands, not redirections or lists.
function parseCond(p: Parser): number[] {
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
  return withRedirects(p, [push(p, args, [], [], p.ctx.wrappers, { dynamic: false, dynamicArgs: args.some((a) => a.dynamic), runsStdin: false })]);
}

// ---- words -------------------------------------------------------------------------------

// Brace expansion is bounded per word (MAX_EXPAND results, words up to MAX_BRACE_WORD long)
// and per parse (MAX_EXPANSIONS words); past that a word stays as written, flagged as a glob.
function expandWords(sh: Shared, words: Word[]): Arg[] {
  const out: Arg[] = [];
  for (const w of words) {
    const texts = w.text.length > MAX_BRACE_WORD || sh.expansions > MAX_EXPANSIONS ? (w.braces.length < 2 ? [w.text] : null) : expandBraces(w);
    if (texts && texts.length > 1) sh.expansions += texts.length;
    if (texts === null) out.push({ text: w.text, dynamic: w.dynamic, glob: true });
    else for (const text of texts) out.push({ text, dynamic: w.dynamic, glob: w.glob });
  }
  return out;
}

// Bash brace expansion over the unquoted `{`, `,` and `}` of a word: `{rm,-rf,/}` is three
// words. `marks` are the positions of those characters. Null when it would make too many.
function expandBraces(w: Word): string[] | null {
  if (w.braces.length < 2) return [w.text];
  const out: string[] = [];
  const go = (text: string, marks: number[]): boolean => {
    for (let a = 0; a < marks.length; a++) {
      const i = marks[a]!;
      if (text[i] !== "{") continue;
      let depth = 0;
      let close = -1;
      const cuts: number[] = [a];
      for (let b = a + 1; b < marks.length && close < 0; b++) {
        const ch = text[marks[b]!];
        if (ch === "{") depth++;
        else if (ch === "}") { if (depth === 0) close = b; else depth--; }
        else if (depth === 0) cuts.push(b);
      }
      if (close < 0) continue;
      const ci = marks[close]!;
      const prefix = text.slice(0, i);
      const suffix = text.slice(ci + 1);
      const sufMarks = marks.slice(close + 1).map((m) => m - ci - 1);
      const pieces: [string, number[]][] = [];
      if (cuts.length === 1) {
        const seq = sequence(text.slice(i + 1, ci));
        if (seq === undefined) continue;
        if (seq === null) return false;
        for (const s of seq) pieces.push([s, []]);
      } else {
        cuts.push(close);
        for (let k = 0; k + 1 < cuts.length; k++) {
          const from = marks[cuts[k]!]! + 1;
          const to = marks[cuts[k + 1]!]!;
          pieces.push([text.slice(from, to), marks.slice(cuts[k]! + 1, cuts[k + 1]!).map((m) => m - from)]);
        }
      }
      for (const [alt, altMarks] of pieces) {
        const m = [...marks.slice(0, a), ...altMarks.map((x) => x + i), ...sufMarks.map((x) => x + i + alt.length)];
        if (!go(prefix + alt + suffix, m)) return false;
      }
      return true;
    }
    out.push(text);
    return out.length <= MAX_EXPAND;
  };
  return go(w.text, w.braces) ? out : null;
}

// `{1..5}`, `{a..e}`, `{0..10..2}`: undefined when it is not a sequence, null when too long.
function sequence(body: string): string[] | null | undefined {
  const m = /^(-?\d{1,9}|[A-Za-z])\.\.(-?\d{1,9}|[A-Za-z])(?:\.\.(-?\d{1,9}))?$/.exec(body);
  if (!m) return undefined;
  const alpha = /[A-Za-z]/.test(m[1]!);
  if (alpha !== /[A-Za-z]/.test(m[2]!)) return undefined;
  const from = alpha ? m[1]!.charCodeAt(0) : Number(m[1]);
  const to = alpha ? m[2]!.charCodeAt(0) : Number(m[2]);
  const step = Math.abs(Number(m[3] ?? 1)) || 1;
  if (Math.abs(to - from) / step >= MAX_EXPAND) return null;
  const out: string[] = [];
  for (let v = from; from <= to ? v <= to : v >= to; v += from <= to ? step : -step) out.push(alpha ? String.fromCharCode(v) : String(v));
  return out;
}

// ---- commands ----------------------------------------------------------------------------

interface Flags { dynamic: boolean; dynamicArgs: boolean; runsStdin: boolean }

function push(p: Parser, args: Arg[], redirects: Redirect[], assignments: string[], wrappers: string[], f: Flags): number {
  const out = p.sh.out;
  if (out.length >= MAX_COMMANDS) {
    p.sh.stopped = true;
    throw syntax(`more than ${MAX_COMMANDS} commands`);
  }
  const argv = args.map((a) => a.text);
  if (f.dynamic) p.sh.dynamic = true;
  out.push({
    argv, name: basename(argv[0] ?? ""), dynamic: f.dynamic, dynamicArgs: f.dynamicArgs, assignments, redirects,
    wrappers: [...wrappers], background: false, pipedFrom: [], pipedTo: [], runsStdin: f.runsStdin, inFunction: p.ctx.fn,
  });
  return out.length - 1;
}

// Peels wrappers off a command and looks inside the commands that run other commands.
function emit(p: Parser, args: Arg[], redirects: Redirect[], assigns: string[], wrappersIn: string[], stdinArgs: boolean): number[] {
  const wrappers = [...wrappersIn];
  let rest = args;
  let fromStdin = stdinArgs;
  const plain = (extra: Partial<Flags> = {}) => [
    push(p, rest, redirects, assigns, wrappers, { dynamic: false, dynamicArgs: fromStdin || rest.slice(1).some((a) => a.dynamic), runsStdin: false, ...extra }),
  ];
  // The redirections of `bash -c '…' > out` belong to no inner command: keep them on an
  // empty one so policies still see the write.
  const sub = (text: string, via: string) => {
    const idx = redirects.length > 0 ? [push(p, [], redirects, assigns, wrappers, { dynamic: false, dynamicArgs: false, runsStdin: false })] : [];
    return [...idx, ...parseInto(p.sh, text, { wrappers: [...wrappers, via], fn: p.ctx.fn, depth: p.ctx.depth })];
  };
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const head = rest[0];
    if (!head) return plain();
    if (head.dynamic || head.glob) return plain({ dynamic: true });
    const name = basename(head.text);
    const unwrap = own(WRAPPERS, name);
    if (unwrap) {
      const inner = unwrap(rest);
      if (inner === null || inner.length === 0) return plain();
      if (name === "env") assigns = [...assigns, ...rest.slice(1, rest.length - inner.length).map((a) => a.text).filter((t) => ASSIGNMENT.test(t))];
      if (name === "xargs") fromStdin = true;
      wrappers.push(name);
      rest = inner;
      continue;
    }
    if (SHELLS.has(name)) return shellCommand(p, rest, redirects, assigns, wrappers);
    if (name === "eval") {
      if (rest.some((a) => a.dynamic)) return plain({ dynamic: true });
      return sub(rest.slice(1).map((a) => a.text).join(" "), "eval");
    }
    if (name === "su" || name === "runuser") {
      const code = optionValue(rest, ["-c"], ["--command"]);
      if (code === undefined) return plain();
      if (code.dynamic) return plain({ dynamic: true });
      return sub(code.text, name);
    }
    if (name === "watch") {
      const i = skipOptions(rest, "nq", ["--interval", "--equexit"]);
      if (i >= rest.length) return plain();
      if (rest.slice(1, i).some((a) => a.text === "-x" || a.text === "--exec")) { wrappers.push(name); rest = rest.slice(i); continue; }
      if (rest.slice(i).some((a) => a.dynamic)) return plain({ dynamic: true });
      return sub(rest.slice(i).map((a) => a.text).join(" "), "watch");
    }
    if (name === "source" || name === ".") return plain({ dynamic: rest[1]?.dynamic === true });
    if (name === "find" || name === "fd" || name === "fdfind") return [...plain(), ...execArgs(p, rest, wrappers, name)];
    if (name === "git") return [...gitConfigCommands(p, rest, wrappers), ...plain()];
    if (name === "alias") {
      const idx: number[] = [];
      for (const a of rest.slice(1)) {
        const eq = a.text.indexOf("=");
        if (eq > 0) idx.push(...parseInto(p.sh, a.text.slice(eq + 1), { wrappers: [...wrappers, "alias"], fn: p.ctx.fn, depth: p.ctx.depth }));
      }
      return [...plain(), ...idx];
    }
    if (INTERPRETER.test(name)) {
      const stdin = rest.slice(1).every((a) => a.text === "-" || (a.text.startsWith("-") && !/^-(c|m|e|E|r|p)$|^--(eval|print)/.test(a.text)));
      return plain({ runsStdin: stdin });
    }
    return plain();
  }
  return plain({ dynamic: true });
}

function shellCommand(p: Parser, rest: Arg[], redirects: Redirect[], assigns: string[], wrappers: string[]): number[] {
  const name = basename(rest[0]!.text);
  let i = 1;
  let command = false;
  let stdin = false;
  while (i < rest.length) {
    const t = rest[i]!.text;
    if (t === "--" || t === "-") { i++; break; }
    if (t.startsWith("--")) {
      if (t === "--command") command = true;
      i += t === "--rcfile" || t === "--init-file" ? 2 : 1;
    } else if (/^[-+][A-Za-z]+$/.test(t)) {
      if (t.includes("c")) command = true;
      if (t.includes("s")) stdin = true;
      i += /[oO]/.test(t) ? 2 : 1;
    } else break;
  }
  const operand = rest[i];
  const flags = (extra: Partial<Flags>): Flags => ({ dynamic: false, dynamicArgs: rest.slice(1).some((a) => a.dynamic), runsStdin: false, ...extra });
  if (command && operand) {
    if (operand.dynamic) return [push(p, rest, redirects, assigns, wrappers, flags({ dynamic: true }))];
    const idx = redirects.length > 0 ? [push(p, [], redirects, assigns, wrappers, flags({}))] : [];
    return [...idx, ...parseInto(p.sh, operand.text, { wrappers: [...wrappers, name], fn: p.ctx.fn, depth: p.ctx.depth })];
  }
  if (operand && !stdin) return [push(p, rest, redirects, assigns, wrappers, flags({ dynamic: operand.dynamic }))];
  // The script is standard input: a heredoc, a here-string, or a pipe (see link()).
  const idx = [push(p, rest, redirects, assigns, wrappers, flags({ runsStdin: true }))];
  const ctx: Ctx = { wrappers: [...wrappers, name], fn: p.ctx.fn, depth: p.ctx.depth };
  for (const r of redirects) {
    if (r.op === "<<<") {
      if (r.dynamic) markDynamic(p, p.sh.out[idx[0]!]!);
      else idx.push(...parseInto(p.sh, r.body ?? "", ctx));
    } else if (r.op === "<<" || r.op === "<<-") {
      if (r.body !== undefined) idx.push(...parseInto(p.sh, r.body, ctx));
      else {
        const pending = p.s.heredocs.find((h) => h.redirect === r);
        if (pending) pending.exec = ctx;
      }
    }
  }
  return idx;
}

// `find … -exec cmd {} ;` and `fd … -x cmd`: the command runs once per match.
function execArgs(p: Parser, rest: Arg[], wrappers: string[], name: string): number[] {
  const idx: number[] = [];
  const starts = name === "find" ? ["-exec", "-execdir", "-ok", "-okdir"] : ["-x", "--exec", "-X", "--exec-batch"];
  for (let i = 1; i < rest.length; i++) {
    if (!starts.includes(rest[i]!.text)) continue;
    let j = i + 1;
    while (j < rest.length && rest[j]!.text !== ";" && rest[j]!.text !== "+") j++;
    const cmd = rest.slice(i + 1, j);
    if (cmd.length > 0) idx.push(...emit(p, cmd, [], [], [...wrappers, name], true));
    i = j;
  }
  return idx;
}

// git runs some config values as shell commands: `git -c alias.x='!rm -rf /' x`,
// `-c core.pager=…`, `-c core.sshCommand=…`.
const GIT_COMMAND_KEYS = /^(alias\..+|core\.(pager|editor|sshcommand|fsmonitor|askpass)|sequence\.editor|diff\.external|credential\.helper|gpg\.program|pager\..+|.+\.(command|cmd|textconv|driver|clean|smudge|process|program|sshcommand|helper|tool))$/i;

function gitConfigCommands(p: Parser, rest: Arg[], wrappers: string[]): number[] {
  const idx: number[] = [];
  for (let i = 1; i < rest.length; i++) {
    const t = rest[i]!.text;
    if (!t.startsWith("-")) break;
    if (t !== "-c" && t !== "-C" && t !== "--git-dir" && t !== "--work-tree" && t !== "--namespace") continue;
    const v = rest[++i];
    if (t !== "-c" || !v) continue;
    const eq = v.text.indexOf("=");
    if (eq < 0 || !GIT_COMMAND_KEYS.test(v.text.slice(0, eq))) continue;
    let value = v.text.slice(eq + 1);
    if (/^alias\./i.test(v.text)) {
      if (!value.startsWith("!")) continue;
      value = value.slice(1);
    }
    idx.push(...parseInto(p.sh, value, { wrappers: [...wrappers, "git"], fn: p.ctx.fn, depth: p.ctx.depth }));
  }
  return idx;
}

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

function optionValue(a: Arg[], short: string[], long: string[]): Arg | undefined {
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!.text;
    if (short.includes(t) || long.includes(t)) return a[i + 1];
    for (const l of long) if (t.startsWith(`${l}=`)) return { ...a[i]!, text: t.slice(l.length + 1) };
  }
  return undefined;
}

// Wrappers: given the argv starting at the wrapper, the argv of the command it runs, or null
// when it runs none (`command -v rm`, `env` alone prints the environment).
type Unwrap = (a: Arg[]) => Arg[] | null;
const after = (shortArg: string, longArg: string[] = [], assign = false, operands = 0): Unwrap => (a) => a.slice(skipOptions(a, shortArg, longArg, assign) + operands);

const WRAPPERS: Record<string, Unwrap> = {
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
  xargs: after("adEILnPs", ["--arg-file", "--delimiter", "--eof", "--replace", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"]),
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
