// The shapes the shell parser works with: the result it returns (SimpleCommand, Redirect,
// ShellParse), the state shared by one parse and its nested re-parses, the two interfaces
// through which the grammar and the analysis call each other without importing each other
// (Grammar, Builder; see index.ts), and the syntax error that stops a parse.

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

/**
 * The state of one parse, shared by the parses nested in it. `nesting` is how deep the parser
 * is in its own recursion; `work` counts what grows faster than the input (redirections copied
 * onto the commands of a group, brace expansion).
 */
export interface Shared {
  out: SimpleCommand[]; functions: string[]; error: string | null; dynamic: boolean; expansions: number; parsed: number; stopped: boolean; nesting: number; work: number;
  /** Literal values variables were given so far, and the values of aliases defined so far (analysis/variables.ts). */
  vars: Map<string, string[]>;
  aliases: Map<string, string[]>;
  grammar: Grammar; build: Builder;
}
export interface Ctx { wrappers: string[]; fn: string | null; depth: number }
export interface Pending { redirect: Redirect; delim: string; strip: boolean; quoted: boolean; exec: Ctx | null }
export interface Source { text: string; pos: number; heredocs: Pending[] }
export interface Word { text: string; raw: string; end: number; dynamic: boolean; glob: boolean; quoted: boolean; braces: number[] }
export type Token =
  | { t: "word"; w: Word; start: number }
  | { t: "op"; v: string; start: number }
  | { t: "redir"; v: string; fd: number | null; start: number }
  | { t: "eof"; start: number };
export interface Parser { s: Source; tok: Token; ctx: Ctx; sh: Shared }
export interface Arg { text: string; dynamic: boolean; glob: boolean }
export interface Terms { ops: readonly string[]; words: readonly string[] }

/**
 * The grammar's entry points that the files below parser.ts recurse through (a word holds
 * commands, a compound command holds a list), so that no grammar file imports the one above it.
 */
export interface Grammar {
  /** Parses a whole script, or one found inside another; the indices of the commands it recorded. */
  script(sh: Shared, text: string, ctx: Ctx): number[];
  list(p: Parser, terms: Terms): void;
  command(p: Parser): number[];
  /** Reads the redirections after a compound command and applies them to its commands `idx`. */
  withRedirects(p: Parser, idx: number[]): number[];
  /** `$( … )`, `<( … )`, `>( … )` from after the opening parenthesis up to the matching `)`. */
  substitution(p: Parser): void;
}

/**
 * What the grammar reports as it reads (the analysis, analysis/builder.ts, implements it): each
 * call records commands in `Shared.out` and returns their indices.
 */
export interface Builder {
  /** A simple command: its words (before brace expansion), redirections and leading assignments. */
  simple(p: Parser, words: Word[], redirects: Redirect[], assigns: string[]): number[];
  /** `[[ … ]]`, its words as one command. */
  cond(p: Parser, args: Arg[]): number[];
  /** Redirections after a compound command: onto each of its commands `idx` (or an empty command). */
  redirected(p: Parser, idx: number[], redirects: Redirect[]): number[];
  /** The two sides of a `|`. */
  piped(p: Parser, from: number[], to: number[]): void;
  /** Commands ended by `&`. */
  background(p: Parser, idx: number[]): void;
  /** `NAME=value` settings made by the syntax itself (a `for` loop's variable). */
  assigned(p: Parser, settings: string[]): void;
}

/**
 * Under xargs or find -exec, the strings the input replaces in a command's words (empty when the
 * input is appended); null for a command whose words are all written out.
 */
export type Input = readonly string[] | null;
/** Is this word (or a missing one: undefined) filled in from the input? */
export const fedBy = (input: Input, a: Arg | undefined) => input !== null && (a === undefined || input.some((r) => a.text.includes(r)));

/** What push() records about a command besides its words. */
export interface Flags { dynamic: boolean; dynamicArgs: boolean; runsStdin: boolean }

// Not an Error: a thrown Error captures a stack trace, which costs more than a parse step.
export class ShellSyntaxError {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}
export const syntax = (message: string) => new ShellSyntaxError(message);
