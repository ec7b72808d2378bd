// Hosts in running text without a scheme (`evil.com/x`, `mail@evil.com`, `10.0.0.1`): words
// with a dot that could be a host, found by character checks before any parsing, since most
// dotted words (`3.14`, `end.`, `v1.2`) are not hosts. Percent-encoded words are decoded and
// searched again by the caller (find-urls.ts), so hosts hidden that way are found too.
import { lastLabel, MAX_RAW, truncated, type HostSearch } from "./host-search.ts";
import { parseHost } from "./hosts.ts";

const MAX_DEPTH = 2;

/** Bare hosts in text[from, to): the text between URLs, whose userinfo must not be read.
 *  `searchAgain` searches a percent-decoded word (one level deeper) for URLs and hosts. */
export function findBare(text: string, from: number, to: number, s: HostSearch, depth: number, searchAgain: (text: string, s: HostSearch, depth: number) => void): void {
  // Only words with a dot (or a %-escape, which may hide one) can be hosts: find those
  // characters and widen to the word around them. Each character is looked at a few times.
  for (let i = from; i < to && !truncated(s); i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25 && !isDot(c)) continue;
    let percent = c === 0x25;
    let start = i;
    while (start > from && isWordChar(text, start - 1)) if (text.charCodeAt(--start) === 0x25) percent = true;
    let end = i + 1;
    while (end < to && isWordChar(text, end)) if (text.charCodeAt(end++) === 0x25) percent = true;
    i = end;
    if (percent && depth < MAX_DEPTH) {
      const word = text.slice(start, end);
      const decoded = safeDecode(word);
      if (decoded !== word) {
        s.work += 3;
        if (!s.seen.has(`%${word}`)) searchAgain(decoded, s, depth + 1);
        s.seen.add(`%${word}`);
        continue;
      }
    }
    const word = hostShaped(text, start, end, s);
    if (word === null || s.seen.has(word)) continue;
    s.seen.add(word);
    s.work++;
    const parsed = parseHost(word, { url: false });
    if (!("error" in parsed) && !(parsed.kind === "dns" && /^\d+$/.test(parsed.host.slice(parsed.host.lastIndexOf(".") + 1)))) {
      s.found.push({ raw: word.slice(0, MAX_RAW), hosts: [parsed], rejoined: [] });
    }
  }
}

const isDot = (c: number): boolean => c === 0x2e || c === 0x3002 || c === 0xff0e || c === 0xff61;

// Characters that can make up a host: letters, marks, digits (and surrogates, for the
// letters outside the BMP), - _ . %, the ideographic dots, and the invisible characters
// that UTS 46 ignores.
const ASCII_WORD = new Uint8Array(128).map((_, c) => (/[A-Za-z0-9_%.-]/.test(String.fromCharCode(c)) ? 1 : 0));
const WORD = /[\p{L}\p{M}\p{N}\u3002\uff0e\uff61\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff]/u;
function isWordChar(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return c < 0x80 ? ASCII_WORD[c] === 1 : WORD.test(text[at]!);
}

// The word in text[start, end) without leading dots, dashes and underscores, if it could be a
// host: it has a dot and ends in a name that could be a top-level domain (letters, or an
// `xn--` label) or is a dotted quad; in `likely` mode it must also look like a destination.
// Character checks only, since most dotted words (`3.14`, `end.`, `v1.2`) are not hosts.
function hostShaped(text: string, start: number, end: number, s: HostSearch): string | null {
  let a = start;
  while (a < end && (isDot(text.charCodeAt(a)) || text[a] === "-" || text[a] === "_")) a++;
  let b = end;
  while (b > a && isDot(text.charCodeAt(b - 1))) b--;
  let lastDot = -1;
  let dots = 0;
  let ascii = true;
  for (let k = a; k < b; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x80) ascii = false;
    if (isDot(c)) {
      lastDot = k;
      dots++;
    }
  }
  if (lastDot < 0) return null;
  const tld = text.slice(lastDot + 1, b);
  if (/^\d{1,3}$/.test(tld) ? dots !== 3 : !/^(?:\p{L}[\p{L}\p{M}]+|xn--[a-z0-9-]+)$/iu.test(tld)) return null;
  if (s.tlds && ascii && !s.tlds.has(lastLabel(tld))) return null;
  if (s.bare === "likely") {
    const www = /^www[.\u3002\uff0e\uff61]/i.test(text.slice(a, a + 4));
    const before = text[start - 1];
    const after = text[end];
    if (!www && (before === "/" || before === "\\" || (after !== "/" && !(after === ":" && /^:\d{1,5}(?:[/\s]|$)/.test(text.slice(end, end + 7)))))) return null;
  }
  return text.slice(a, end);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
