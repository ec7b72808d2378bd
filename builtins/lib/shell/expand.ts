// Brace expansion of the parsed words: `{rm,-rf,/}` and `{1..5}`, within its bounds.
import { MAX_BRACE_WORD, MAX_EXPAND, MAX_EXPANSIONS } from "./limits.ts";
import type { Arg, Shared, Word } from "./types.ts";

// Brace expansion is bounded per word (MAX_EXPAND results, words up to MAX_BRACE_WORD long)
// and per parse (MAX_EXPANSIONS words); past that a word stays as written, flagged as a glob,
// and the parse is an error: `chmod -R 777 {/,aaa…}` must not pass as one harmless word.
export function expandWords(sh: Shared, words: Word[]): Arg[] {
  const out: Arg[] = [];
  for (const w of words) {
    const texts = w.text.length > MAX_BRACE_WORD || sh.expansions > MAX_EXPANSIONS ? (w.braces.length < 2 ? [w.text] : null) : expandBraces(w);
    if (texts && texts.length > 1) sh.expansions += texts.length;
    if (texts === null) {
      sh.error ??= "brace expansion too large";
      out.push({ text: w.text, dynamic: w.dynamic, glob: true });
    } else for (const text of texts) out.push({ text, dynamic: w.dynamic, glob: w.glob });
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
