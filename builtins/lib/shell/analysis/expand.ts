// Brace expansion of the parsed words: `{rm,-rf,/}` and `{1..5}`, within its bounds.
import { MAX_BRACE_WORD, MAX_EXPAND, MAX_EXPANSIONS, MAX_WORK } from "../limits.ts";
import type { Arg, Shared, Word } from "../types.ts";

// Brace expansion is bounded per word (MAX_EXPAND results, words up to MAX_BRACE_WORD long)
// and per parse (MAX_EXPANSIONS words); past that a word stays as written, flagged as a glob,
// and the parse is an error: `chmod -R 777 {/,aaa…}` must not pass as one harmless word.
export function expandWords(sh: Shared, words: Word[]): Arg[] {
  const out: Arg[] = [];
  for (const w of words) {
    const texts = w.text.length > MAX_BRACE_WORD || sh.expansions > MAX_EXPANSIONS ? (w.braces.length < 2 ? [w.text] : null) : expandBraces(sh, w);
    if (texts && texts.length > 1) sh.expansions += texts.length;
    if (texts === null) {
      sh.error ??= "brace expansion too large";
      out.push({ text: w.text, dynamic: w.dynamic, glob: true });
    } else for (const text of texts) out.push({ text, dynamic: w.dynamic, glob: w.glob });
  }
  return out;
}

// Bash brace expansion over the unquoted `{`, `,` and `}` of a word: `{rm,-rf,/}` is three
// words. `marks` are the positions of those characters. Null when it would make too many, or
// cost more work than the parse has left.
function expandBraces(sh: Shared, w: Word): string[] | null {
  if (w.braces.length < 2) return [w.text];
  const out: string[] = [];
  const go = (text: string, marks: number[]): boolean => {
    // Pair each `{` with its `}` in one pass; `close[a]` is the mark that closes mark a, or -1.
    const close = new Int32Array(marks.length).fill(-1);
    const open: number[] = [];
    for (let b = 0; b < marks.length; b++) {
      const ch = text[marks[b]!];
      if (ch === "{") open.push(b);
      else if (ch === "}" && open.length > 0) close[open.pop()!] = b;
    }
    // The first pair that expands (has a comma directly inside, or is a sequence) is expanded;
    // each result is expanded again for the pairs after it.
    for (let a = 0; a < marks.length; a++) {
      const end = close[a]!;
      if (end < 0) continue;
      const cut = [a];
      for (let b = a + 1; b < end; b++) {
        if (close[b]! >= 0) b = close[b]!;
        else if (text[marks[b]!] === ",") cut.push(b);
      }
      cut.push(end);
      const i = marks[a]!;
      const ci = marks[end]!;
      const pieces: [string, number[]][] = [];
      if (cut.length === 2) {
        const seq = sequence(text.slice(i + 1, ci));
        if (seq === undefined) continue;
        if (seq === null) return false;
        for (const s of seq) pieces.push([s, []]);
      } else {
        for (let k = 0; k + 1 < cut.length; k++) {
          const from = marks[cut[k]!]! + 1;
          const to = marks[cut[k + 1]!]!;
          pieces.push([text.slice(from, to), marks.slice(cut[k]! + 1, cut[k + 1]!).map((m) => m - from)]);
        }
      }
      sh.work += pieces.length * (text.length + marks.length);
      if (sh.work > MAX_WORK) return false;
      const prefix = text.slice(0, i);
      const suffix = text.slice(ci + 1);
      const sufMarks = marks.slice(end + 1).map((m) => m - ci - 1);
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
