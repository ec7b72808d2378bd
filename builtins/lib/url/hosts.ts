// Parsing a host the way a browser would (WHATWG URL host parsing, approximated without the
// `URL` class, which the isolate does not have): percent-decoding, UTS 46 mapping, punycode,
// the IPv4 forms browsers accept, and the doubts a host raises (mixed scripts, invisible
// characters) for the policies to weigh.
import { parseDottedQuad, parseIPv4, parseIPv6, serializeIPv6 } from "./ip-addresses.ts";
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

const MAX_HOST = 1024;
const MAX_LABEL_CODE_POINTS = 253;
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

const SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u, /\p{Script=Cherokee}/u];

/** True when a label mixes Latin, Cyrillic, Greek, Armenian or Cherokee letters (`еvil`). */
export function isMixedScript(label: string): boolean {
  if (!/[^\u0000-\u007f]/.test(label)) return false;
  return SCRIPTS.filter((s) => s.test(label)).length > 1;
}
