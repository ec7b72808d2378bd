// Finding URLs in text (`https://…`, `http:evil.com`), and the hosts of a value given where a
// URL is expected. Each authority is read the ways URL parsers may read it (the `\` and `@`
// they disagree on, tabs and newlines they delete), and every reading's host is reported;
// the text between URLs goes to bare-hosts.ts.
import { findBare } from "./bare-hosts.ts";
import { MAX_RAW, truncated, type Found, type HostSearch } from "./host-search.ts";
import { parseHost } from "./hosts.ts";

const SPECIAL = new Set(["http", "https", "ws", "wss", "ftp"]);
// The slashes after a scheme may be split by tabs and newlines (`https:\n//evil.com`): URL
// parsers delete those, so the URL is read as if they were not there.
const SCHEME = /([a-z][a-z0-9+.-]{0,31}):([\\/\t\n\r]*)/giy;
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

// `depth` counts the percent-decodings this text is inside (findBare searches decoded words again).
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
    findBare(text, last, start, s, depth, search);
    last = url.end;
    colon = url.end - 1;
  }
  findBare(text, last, text.length, s, depth, search);
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
  const raw = m[2]!;
  const slashes = raw === "//" || raw === "" ? raw : raw.replace(/[\t\n\r]/g, "");
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
