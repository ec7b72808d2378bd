// Finding URLs and hosts in text, and parsing hosts the way a browser would (WHATWG URL host
// parsing, approximated without the `URL` class, which the isolate does not have). Matching
// must be done on the parsed host, never on substrings: `https://evil.com@good.com` goes to
// good.com, and `http://2130706433/` goes to 127.0.0.1.
import { punycodeDecode, punycodeEncode } from "./punycode.ts";

export interface Host {
  /** Canonical ASCII form: lowercase, punycoded, no trailing dot; IPv4 dotted; IPv6 in brackets. */
  host: string;
  /** The same host with `xn--` labels decoded, for homograph checks. */
  unicode: string;
  kind: "dns" | "ipv4" | "ipv6";
  /** Reasons the host may not mean what it seems (mixed scripts, invisible characters, …). */
  doubts: string[];
  /** Other forms of the same address: the IPv4 inside an IPv4-mapped IPv6 address. */
  also: string[];
}

export type HostResult = Host | { error: string };

/** One URL or bare host found in text. */
export interface Found {
  /** The text it was found as (capped), for reasons and loose checks. */
  raw: string;
  /** Every host the text could mean; parsers disagree on some URLs, so there may be two. */
  hosts: Host[];
  /** Set when the URL has a host that cannot be parsed; `hosts` may then be empty. */
  error?: string;
  /** Other hosts of a URL broken by a tab or newline in running text (`http://ev\til.com`),
   *  read with them deleted as URL parsers do; a less likely reading than `hosts`. */
  rejoined: Host[];
}

const MAX_HOST = 1024;
const MAX_LABEL_CODE_POINTS = 253;
const SPECIAL = new Set(["http", "https", "ws", "wss", "ftp"]);
// UTS 46 maps these to nothing; a host that contains them is stripped, and doubted.
const IGNORED = /[\u00ad\u034f\u180b-\u180f\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/gu;
const DOTS = /[\u3002\uff0e\uff61]/g;
// WHATWG forbidden domain code points (after percent-decoding).
const FORBIDDEN = /[\u0000-\u0020#%/:<>?@[\\\]^|\u007f]/u;
const LDH = /^[a-z0-9_-]+$/;

/** Parses a host (no scheme, no port). `url: true` accepts the IPv4 forms browsers accept
 *  (`2130706433`, `0x7f.1`, `0177.0.0.1`); bare text only counts dotted quads as IPv4. */
export function parseHost(input: string, options: { url: boolean } = { url: true }): HostResult {
  // Text repeats hosts a lot; results are frozen so a cached one can be shared.
  const key = `${options.url ? "u" : "b"}${input}`;
  let result = hostCache.get(key);
  if (result === undefined) {
    if (hostCache.size >= 2000) hostCache.clear();
    result = Object.freeze(parse(input, options));
    hostCache.set(key, result);
  }
  return result;
}

const hostCache = new Map<string, HostResult>();

function parse(input: string, options: { url: boolean }): HostResult {
  if (input.startsWith("[")) {
    if (!input.endsWith("]")) return { error: "unclosed IPv6 bracket" };
    const pieces = parseIPv6(input.slice(1, -1));
    if (!pieces) return { error: "invalid IPv6 address" };
    const host = `[${serializeIPv6(pieces)}]`;
    const mapped = pieces.slice(0, 6).join() === "0,0,0,0,0,65535";
    const also = mapped ? [`${pieces[6]! >> 8}.${pieces[6]! & 255}.${pieces[7]! >> 8}.${pieces[7]! & 255}`] : [];
    return { host, unicode: host, kind: "ipv6", doubts: [], also };
  }
  if (input.length > MAX_HOST) return { error: "host too long" };
  if (/^[a-z0-9_.-]+$/i.test(input)) return parseName(input.toLowerCase(), [], options);
  let text = input;
  if (text.includes("%")) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return { error: "invalid percent-encoding" };
    }
  }
  const doubts: string[] = [];
  const visible = text.replace(IGNORED, "");
  if (visible !== text) doubts.push("invisible characters");
  text = visible.normalize("NFKC").toLowerCase().replace(DOTS, ".");
  if (FORBIDDEN.test(text)) return { error: "forbidden character in host" };
  return parseName(text, doubts, options);
}

// The host once decoded, mapped and lowercased: an IPv4 address or a DNS name.
function parseName(name: string, doubts: string[], options: { url: boolean }): HostResult {
  const text = name.replace(/\.+$/, "");
  if (text === "") return { error: "empty host" };

  const labels = text.split(".");
  if (/^(?:[0-9]+|0x[0-9a-f]*)$/.test(labels[labels.length - 1]!)) {
    const v4 = options.url ? parseIPv4(labels) : parseDottedQuad(labels);
    if (v4 !== null) return { host: v4, unicode: v4, kind: "ipv4", doubts, also: [] };
    if (options.url) return { error: "invalid IPv4 address" };
  }

  const ascii: string[] = [];
  const unicode: string[] = [];
  for (const label of labels) {
    if (label === "") doubts.push("empty label");
    let shown = label;
    if (/[^\u0000-\u007f]/.test(label)) {
      if (label.length > MAX_LABEL_CODE_POINTS) return { error: "label too long" };
      ascii.push(`xn--${punycodeEncode(label)}`);
    } else {
      if (label.startsWith("xn--")) {
        const decoded = label.length <= 4 + MAX_LABEL_CODE_POINTS ? punycodeDecode(label.slice(4)) : null;
        if (decoded === null || !/[^\u0000-\u007f]/.test(decoded) || punycodeEncode(decoded) !== label.slice(4)) return { error: "invalid punycode label" };
        shown = decoded.normalize("NFKC").toLowerCase();
      } else if (!LDH.test(label) && label !== "") doubts.push("not a DNS name");
      ascii.push(label);
    }
    if (isMixedScript(shown)) doubts.push("mixed scripts");
    unicode.push(shown);
  }
  const host = ascii.join(".");
  if (host.length > 253 || ascii.some((l) => l.length > 63)) doubts.push("longer than DNS allows");
  return { host, unicode: unicode.join("."), kind: "dns", doubts: [...new Set(doubts)], also: [] };
}

/** A domain from a policy's params in canonical form (`*.evil.com` means evil.com); null if invalid. */
export function normalizeDomain(domain: string): string | null {
  let d = domain.trim().replace(/^\*\./, "");
  if (d.includes(":") && !d.startsWith("[")) d = `[${d}]`;
  const parsed = parseHost(d, { url: true });
  return "error" in parsed || parsed.doubts.length > 0 ? null : parsed.host;
}

/** The entry of `domains` that `host` is, or is a subdomain of (`sub.evil.com`, never
 *  `notevil.com` or `evil.com.example.org`; IP addresses only themselves); both already
 *  canonical (from parseHost / normalizeDomain). Linear in the host's labels, whatever the
 *  set's size. */
export function findDomain(host: string, domains: ReadonlySet<string>): string | undefined {
  if (domains.has(host)) return host;
  if (host.startsWith("[") || /^[\d.]+$/.test(host)) return undefined;
  for (let dot = host.indexOf("."); dot >= 0; dot = host.indexOf(".", dot + 1)) {
    const parent = host.slice(dot + 1);
    if (domains.has(parent) && !/^[\d.]+$/.test(parent)) return parent;
  }
  return undefined;
}

// ------------------------------------------------------------------------------ IP addresses

function parseIPv4Number(part: string): number | null {
  let digits = part;
  let radix = 10;
  if (/^0x/.test(digits)) {
    radix = 16;
    digits = digits.slice(2);
  } else if (digits.length > 1 && digits.startsWith("0")) {
    radix = 8;
    digits = digits.slice(1);
  }
  if (digits === "") return 0;
  const valid = radix === 16 ? /^[0-9a-f]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  return valid.test(digits) ? parseInt(digits, radix) : null;
}

// WHATWG IPv4 parser: one to four parts, each decimal, octal (leading 0) or hex (0x).
function parseIPv4(labels: string[]): string | null {
  if (labels.length > 4) return null;
  const numbers = labels.map(parseIPv4Number);
  if (numbers.some((n) => n === null)) return null;
  const last = numbers.pop()!;
  if (numbers.some((n) => n! > 255) || last >= 256 ** (4 - numbers.length)) return null;
  let value = last;
  numbers.forEach((n, i) => (value += n! * 256 ** (3 - i)));
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

function parseDottedQuad(labels: string[]): string | null {
  if (labels.length !== 4 || labels.some((l) => !/^\d{1,3}$/.test(l) || Number(l) > 255)) return null;
  return labels.map(Number).join(".");
}

function parseIPv6(text: string): number[] | null {
  const halves = text.toLowerCase().split("::");
  if (halves.length > 2) return null;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  const tail = groups[groups.length - 1]!;
  const v4 = tail.length > 0 && tail[tail.length - 1]!.includes(".") ? parseDottedQuad(tail.pop()!.split(".")) : undefined;
  if (v4 === null) return null;
  if (v4 !== undefined) {
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    tail.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const all = groups.flat();
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const pieces = all.map((g) => parseInt(g, 16));
  if (halves.length === 1) return pieces.length === 8 ? pieces : null;
  const head = groups[0]!.map((g) => parseInt(g, 16));
  const rest = groups[1]!.map((g) => parseInt(g, 16));
  if (head.length + rest.length > 7) return null;
  return [...head, ...Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

function serializeIPv6(pieces: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && pieces[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = pieces.map((p) => p.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}

// --------------------------------------------------------------------------- homographs

const SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u];

/** True when a label mixes Latin, Cyrillic, Greek, Armenian or Cherokee letters (`еvil`). */
export function isMixedScript(label: string): boolean {
  if (!/[^\u0000-\u007f]/.test(label)) return false;
  return SCRIPTS.filter((s) => s.test(label)).length > 1;
}

// Letters from other scripts that look like Latin ones (a small part of Unicode's
// confusables.txt: the ones seen in real homograph attacks).
const CONFUSABLES = new Map(
  "аa вb еe ёe һh іi їi јj кk ӏl мm нh оo пn рp сc тt уy хx ѕs ԁd ԛq ԝw ьb ɑa ɡg ıi ȷj ʟl αa βb εe ηn ιi κk νv οo ρp τt υu χx ωw ϲc ϳj օo սu ցg հh ոn ᴀa ᴄc ᴏo ᴠv ᴡw ᴢz"
    .split(" ")
    .map((pair) => [pair.slice(0, -1), pair.slice(-1)] as const),
);

/** The host with lookalike letters replaced by the Latin letters they imitate. */
export function skeleton(unicodeHost: string): string {
  return Array.from(unicodeHost.normalize("NFKD").replace(/\p{M}/gu, ""), (c) => CONFUSABLES.get(c) ?? c).join("");
}

// ------------------------------------------------------------------------------ finding

const SCHEME = /([a-z][a-z0-9+.-]{0,31}):([\\/]*)/giy;
const SCHEME_CHAR = /[a-z0-9+.-]/i;
const LETTER = /[a-z]/i;
// An authority in running text ends at the characters `ends` (path, query, fragment) or at
// anything that cannot be inside a URL there. `joined` also runs over tabs and newlines (not
// counted in the limit, so padding cannot push the rest of the host out of reach).
const authorityPattern = (ends: string) => ({
  plain: new RegExp(`[^${ends}\\s"'<>\`]{0,1024}`, "y"),
  joined: new RegExp(`(?:[\\t\\n\\r]*[^${ends}\\s"'<>\`]){0,1024}`, "y"),
});
const AUTHORITY = authorityPattern("/?#");
const AUTHORITY_SPECIAL = authorityPattern("/?#\\\\");
const HOST_ONLY = authorityPattern("/?#\\\\:");
const WIDE_AUTHORITY = /[^/\s"'<>`]{0,256}/y;
const TRAILING_PUNCTUATION = /[.,;:!?'")}>*]+$/;
const MAX_RAW = 200;
const MAX_DEPTH = 2;

/** What a search has found so far, shared across the strings of one event: repeats of a URL
 *  or word are reported once (a verdict depends only on distinct hosts, and that bounds the
 *  work on repetitive input), and at most `limit` are reported in all. */
export interface HostSearch {
  bare: "all" | "likely";
  found: Found[];
  seen: Set<string>;
  limit: number;
  /** Words and URLs parsed so far: what the search costs, capped by MAX_WORK. */
  work: number;
  /** When set, ASCII bare words whose last label is not in it are skipped unparsed: a
   *  blocklist needs only hosts that could be in its domains. */
  tlds: ReadonlySet<string> | undefined;
}

/** Most distinct URLs and hosts one search reports; past that, `truncated` says so. */
export const MAX_HOSTS = 1_000;
/** Most work one search does: a unit per URL or host-shaped word parsed, three per
 *  percent-decoded word (a few ms warm, under 25 ms cold: inside a policy call's time limit). */
export const MAX_WORK = 5_000;

export function newSearch(bare: "all" | "likely", options: { limit?: number; onlyUnder?: Iterable<string> } = {}): HostSearch {
  const tlds = options.onlyUnder && new Set([...options.onlyUnder].map(lastLabel));
  return { bare, found: [], seen: new Set(), limit: options.limit ?? MAX_HOSTS, work: 0, tlds };
}

// The top-level label of a canonical host, with numbers in the form parseHost gives them.
const lastLabel = (host: string): string => {
  const label = host.slice(host.lastIndexOf(".") + 1).toLowerCase();
  return /^\d+$/.test(label) ? String(Number(label)) : label;
};

/** True when the search stopped at a limit, so some of the text was not searched. */
export const truncated = (s: HostSearch): boolean => s.found.length >= s.limit || s.work >= MAX_WORK;

/**
 * The URLs and hosts in `text` not found before by `s` (they are also added to `s.found`).
 * URLs with a scheme are always found; their userinfo (`https://user@host`) is not a host.
 * `bare: "all"` also reports every host-shaped word (`evil.com/x`, `mail@evil.com`,
 * `10.0.0.1`); `bare: "likely"` only those that look meant as a destination: `www.…`, or
 * followed by `/` or `:port`. Percent-encoded text is decoded and searched again
 * (`https%3A%2F%2Fevil.com`).
 */
export function findHosts(text: string, s: HostSearch): Found[] {
  const before = s.found.length;
  search(text, s, 0);
  return s.found.slice(before);
}

function search(text: string, s: HostSearch, depth: number): void {
  let last = 0;
  // Each `:` may end a scheme; walk back over scheme characters (at most 32) to its start.
  for (let colon = text.indexOf(":"); colon >= 0 && !truncated(s); colon = text.indexOf(":", colon + 1)) {
    let start = colon;
    while (start > last && start > colon - 32 && SCHEME_CHAR.test(text[start - 1]!)) start--;
    while (start < colon && !LETTER.test(text[start]!)) start++;
    if (start === colon) continue;
    const url = parseUrlAt(text, start, s.seen);
    if (!url) continue;
    if (url.found) {
      s.found.push(url.found);
      s.work++;
    }
    findBare(text, last, start, s, depth);
    last = url.end;
    colon = url.end - 1;
  }
  findBare(text, last, text.length, s, depth);
}

/** Hosts of a value given where a URL or host is expected (`{"url": "evil.com/x"}`), which
 *  may lack the scheme. */
export function findHostsInUrlValue(value: string, s: HostSearch): Found[] {
  // As URL parsers do (WHATWG's: fetch, new URL; Python's urlsplit): tabs and newlines are
  // deleted, and leading and trailing controls and spaces stripped.
  const v = value.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
  const scheme = /^[a-z][a-z0-9+.-]{0,31}:/i.test(v) && !/^[^:/]+:\d{1,5}(?:[/?#]|$)/.test(v);
  if (/\s/.test(v)) {
    // Perhaps text with URLs in it; but a URL parser given all of it reads a space as part of
    // the URL (`https://good.com @evil.com` goes to evil.com): take that reading too.
    const asText = findHosts(value, s);
    return scheme ? [...asText, ...findHosts(v.replace(/\s/g, encodeURIComponent), s)] : asText;
  }
  if (v === "" || scheme || (v.startsWith("/") && !v.startsWith("//"))) return findHosts(v, s);
  return findHosts(`http:${v.startsWith("//") ? "" : "//"}${v}`, s);
}

function parseUrlAt(text: string, at: number, seen: Set<string>): { found: Found | null; end: number } | null {
  SCHEME.lastIndex = at;
  const m = SCHEME.exec(text)!;
  const scheme = m[1]!.toLowerCase();
  const slashes = m[2]!;
  const special = SPECIAL.has(scheme);
  if (!special && slashes !== "//") return null;
  const start = at + m[0].length;
  // The authority ends at the path, query or fragment (for special schemes `\` is a path
  // separator too), or at anything that cannot be inside a URL in running text.
  // Without `//` (`http:evil.com`) the host ends at a `:` too, so text like `http:http:…`
  // costs little.
  const pattern = slashes.length < 2 ? HOST_ONLY : special ? AUTHORITY_SPECIAL : AUTHORITY;
  const end = start + span(pattern.plain, text, start);
  // Parsers differ on `\`, `#` and `?` before an `@` (`http://good.com\@evil.com`): also take
  // the reading that runs the authority to the first `/` or space.
  const wide = /[\\?#]/.test(text[end] ?? "") ? start + span(WIDE_AUTHORITY, text, start) : end;
  // URL parsers (WHATWG's: fetch, new URL; Python's urlsplit) delete tabs and newlines before
  // parsing: `http://ev\til.com` goes to evil.com. Where one ends the authority, also take the
  // reading without them.
  const joined = /[\t\n\r]/.test(text[end] ?? "") ? start + span(pattern.joined, text, start) : end;
  // What follows depends only on this text (and the character after it): a repeat is skipped
  // before any more work.
  const key = text.slice(at, Math.max(end, wide, joined) + 1);
  if (seen.has(key)) return { found: null, end };
  const authority = trimAuthority(text.slice(start, end), text[end]);
  const rejoined = joined > end ? trimAuthority(text.slice(start, joined).replace(/[\t\n\r]/g, ""), text[joined]) : "";
  const isUrl = (a: string) => a !== "" && (slashes.length >= 2 || /[.[]/.test(a));
  if (!isUrl(authority) && !isUrl(rejoined)) return null;
  seen.add(key);
  const alternative = text.slice(start, wide);
  const found: Found = { raw: text.slice(at, Math.min(Math.max(end, joined), at + MAX_RAW)), hosts: [], rejoined: [] };
  if (isUrl(authority)) addAuthority(found, authority);
  if (wide > end && alternative.includes("@", authority.length)) addAuthority(found, alternative.replace(TRAILING_PUNCTUATION, ""));
  if (isUrl(rejoined)) {
    const other: Found = { raw: found.raw, hosts: [], rejoined: [] };
    addAuthority(other, rejoined);
    found.rejoined = other.hosts.filter((h) => !found.hosts.some((f) => f.host === h.host));
  }
  return { found, end };
}

// Punctuation after a URL in running text is not part of it: `(see http://evil.com).`
function trimAuthority(authority: string, next: string | undefined): string {
  if (next !== undefined && !/[\s"'<>`]/.test(next)) return authority;
  const trimmed = authority.replace(TRAILING_PUNCTUATION, "");
  return trimmed.endsWith("]") && !trimmed.includes("[") ? trimmed.replace(/\]+$/, "") : trimmed;
}

function span(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.exec(text)![0].length;
}

function addAuthority(found: Found, authority: string): void {
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  let host = hostPort;
  let port = "";
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    host = close < 0 ? hostPort : hostPort.slice(0, close + 1);
    port = hostPort.slice(host.length);
  } else if (hostPort.includes(":")) {
    host = hostPort.slice(0, hostPort.indexOf(":"));
    port = hostPort.slice(host.length);
  }
  const parsed = parseHost(host, { url: true });
  if ("error" in parsed) {
    found.error ??= parsed.error;
    return;
  }
  const badPort = port !== "" && (!/^:\d{0,5}$/.test(port) || Number(port.slice(1)) > 65535);
  const entry = badPort ? { ...parsed, doubts: [...parsed.doubts, "invalid port"] } : parsed;
  if (!found.hosts.some((h) => h.host === entry.host)) found.hosts.push(entry);
}

// Bare hosts in text[from, to): the text between URLs, whose userinfo must not be read.
function findBare(text: string, from: number, to: number, s: HostSearch, depth: number): void {
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
        if (!s.seen.has(`%${word}`)) search(decoded, s, depth + 1);
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
