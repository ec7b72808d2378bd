// Values given to variables and aliases in the same script (`X=rm; $X -rf /`, `cmd=/bin/rm; "$cmd" -rf /`),
// so that a command built from them is judged as what it may run. Every literal value a
// variable is given anywhere before the use counts (whether or not the assignment ran: an
// `if` or `&&` may skip it), and the command as written stays dynamic, since the variable may
// hold something else (the environment's value, a `read`): what is known can be denied, and
// nothing built from a variable is allowed on the strength of it.
import type { Shared, Word } from "../types.ts";

const MAX_VALUES = 8;
const MAX_VARS = 256;
const MAX_VARIANTS = 8;
const SETTING = /^([A-Za-z_][A-Za-z0-9_]*)\+?=(.*)$/s;
const NONE: readonly never[] = Object.freeze([]);
const REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

function add(table: Map<string, string[]>, name: string, value: string): void {
  const values = table.get(name) ?? [];
  if (!values.includes(value) && values.length < MAX_VALUES && (values.length > 0 || table.size < MAX_VARS)) table.set(name, [...values, value]);
}

/** Remembers the literal values of `NAME=value` settings (a value with an expansion is not one). */
export function remember(sh: Shared, settings: readonly string[]): void {
  for (const s of settings) {
    const m = SETTING.exec(s);
    if (m && !/[$`]/.test(m[2]!)) add(sh.vars, m[1]!, m[2]!);
  }
}

/** Remembers `alias NAME=VALUE` definitions: a later command named NAME may run VALUE. */
export function rememberAlias(sh: Shared, name: string, value: string): void {
  add(sh.aliases, name, value);
}

/** The scripts a command whose first word is an alias may be: the alias's text in its place
 *  (alias expansion is textual; shells that expand aliases in scripts do). */
export function aliased(sh: Shared, words: Word[]): readonly string[] {
  if (sh.aliases.size === 0) return NONE;
  const head = words[0];
  const values = head && !head.dynamic && head.raw === head.text ? sh.aliases.get(head.text) : undefined;
  if (!values) return NONE;
  const rest = words.slice(1).map((w) => w.raw).join(" ");
  return values.map((v) => `${v} ${rest}`);
}

// The words `w` may become with known values in place of its variables: an unquoted `$X` is
// split into words as the shell splits it; elsewhere the value stays inside the word.
function readings(sh: Shared, w: Word): Word[][] | null {
  const refs = [...w.text.matchAll(REF)];
  if (refs.length === 0 || refs.some((r) => !sh.vars.has(r[1] ?? r[2]!))) return null;
  let texts = [""];
  let last = 0;
  for (const r of refs) {
    const values = sh.vars.get(r[1] ?? r[2]!)!;
    const before = w.text.slice(last, r.index);
    texts = texts.flatMap((t) => values.map((v) => t + before + v)).slice(0, MAX_VARIANTS);
    last = r.index + r[0].length;
  }
  const split = w.raw === w.text && refs.length === 1 && refs[0]![0] === w.text;
  return texts.map((t) => {
    const text = t + w.text.slice(last);
    const word = (piece: string): Word => ({ ...w, text: piece, raw: piece, dynamic: /[$`]/.test(piece), glob: split && /[*?[]/.test(piece), braces: [] });
    return split ? text.split(/[ \t\n]+/).filter(Boolean).map(word) : [word(text)];
  });
}

/** The word lists a command may be once its variables have their known values; none if it has none. */
export function substituted(sh: Shared, words: Word[]): readonly Word[][] {
  if (sh.vars.size === 0 || !words.some((w) => w.dynamic)) return NONE;
  let variants: Word[][] = [[]];
  let changed = false;
  for (const w of words) {
    const r = w.dynamic ? readings(sh, w) : null;
    if (r) changed = true;
    variants = variants.flatMap((v) => (r ?? [[w]]).map((ws) => [...v, ...ws])).slice(0, MAX_VARIANTS);
  }
  return changed ? variants.filter((v) => v.length > 0) : NONE;
}
