// Backslash escapes as the shell's readers decode them: `$'…'` (ansi), bash's `echo -e` and
// printf's %b (echo: octal after `\0`), dash's echo (dash: octal `\0NNN` or `\NNN`), and
// printf's format (printf: octal `\NNN`). One decoder, so `$'\x72m'`, `echo -e '\x72m'` and
// `printf '\x72m'` all read as `rm`.

export type EscapeStyle = "ansi" | "echo" | "dash" | "printf";

const SIMPLE: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", v: "\v", "\\": "\\" };
// Only `$'…'` has these.
const QUOTES: Record<string, string> = { "'": "'", '"': '"', "?": "?" };

const run = (text: string, from: number, re: RegExp, max: number) => {
  let end = from;
  while (end - from < max && end < text.length && re.test(text[end]!)) end++;
  return text.slice(from, end);
};

/**
 * The escape whose backslash is at text[at]: what it stands for and where it ends; null for a
 * backslash that escapes nothing here (the reader keeps it as written). `\c` is the caller's.
 */
export function escapeAt(text: string, at: number, style: EscapeStyle): { value: string; end: number } | null {
  const n = text[at + 1] ?? "";
  const simple = Object.hasOwn(SIMPLE, n) ? SIMPLE[n] : style === "ansi" && Object.hasOwn(QUOTES, n) ? QUOTES[n] : undefined;
  if (simple !== undefined) return { value: simple, end: at + 2 };
  if (n === "x" || n === "u" || n === "U") {
    const d = run(text, at + 2, /[0-9a-fA-F]/, n === "x" ? 2 : n === "u" ? 4 : 8);
    const code = d ? parseInt(d, 16) : NaN;
    return { value: code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : `\\${n}${d}`, end: at + 2 + d.length };
  }
  // ansi and printf: `\NNN`; echo: `\0NNN`; dash: either.
  const octalAt = (style === "echo" || style === "dash") && n === "0" ? at + 2 : style !== "echo" && n >= "0" && n <= "7" ? at + 1 : -1;
  if (octalAt >= 0) {
    const d = run(text, octalAt, /[0-7]/, 3);
    return { value: String.fromCharCode(parseInt(d || "0", 8) & 0xff), end: octalAt + d.length };
  }
  return null;
}

/** What a `%` directive at text[at] writes, and where it ends; null when it cannot be known. */
export type Directive = (text: string, at: number) => { value: string; end: number } | null;

/**
 * `text` with its escapes decoded as `style` reads them, `\c` ending the output (echo and %b;
 * printf's format prints it as written). With `directive`, each `%` is handed to it (printf's format); null when a directive
 * cannot be known.
 */
export function decodeEscapes(text: string, style: Exclude<EscapeStyle, "ansi">, directive?: Directive): string | null {
  let out = "";
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    const e = c === "\\" ? (text[i + 1] === "c" && style !== "printf" ? "stop" : escapeAt(text, i, style)) : c === "%" && directive ? directive(text, i) : undefined;
    if (e === "stop") return out;
    if (e === null && c === "%") return null;
    if (e) { out += e.value; i = e.end; } else { out += c; i++; }
  }
  return out;
}
