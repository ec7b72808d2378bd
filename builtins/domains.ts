// Policies over the hosts a tool call reaches: block domains, or allow only some. Hosts are
// parsed, not substring-matched (see lib/url/). Both look at tool_call events only: they
// govern where tools go, and a domain merely mentioned in a conversation is not access.
import type { PolicyEvent, PolicyResponse, RegistryEntry } from "palisade/sdk";
import { findDomain, findHosts, findHostsInUrlValue, newSearch, normalizeDomain, skeleton, truncated, type Found, type HostSearch } from "./lib/url/index.ts";
import { shorten } from "./lib/reasons.ts";
import { stringsIn } from "./lib/walk.ts";

// Keys whose value is a URL or host even without a scheme (`{"host": "2130706433"}`).
const URL_KEY = /(?:url|uri|href|link|endpoint|host|hostname|domain|origin|website|server|proxy|webhook)s?$/i;

interface Scan {
  found: { path: string; item: Found }[];
  /** Some text was not searched (too much of it, or too many hosts): never allow unchecked. */
  truncated: boolean;
}

function scanArguments(args: unknown, search: HostSearch): Scan {
  const found: Scan["found"] = [];
  const { strings, complete } = stringsIn(args);
  for (const { path, text, key, isKey } of strings) {
    const items = !isKey && URL_KEY.test(key) ? findHostsInUrlValue(text, search) : findHosts(text, search);
    for (const item of items) found.push({ path: path || "/", item });
    if (truncated(search)) break;
  }
  return { found, truncated: !complete || truncated(search) };
}

function domainSet(domains: string[], param: string): Set<string> {
  return new Set(domains.map((d) => {
    const normal = normalizeDomain(d);
    if (normal === null) throw new Error(`${param}: "${d}" is not a valid domain or IP address`);
    return normal;
  }));
}

const nonAscii = (s: string): boolean => /[^\u0000-\u007f]/.test(s);

/**
 * DENY a tool call when any host in its arguments (every string, keys included, searched for
 * URLs and bare host names) is a blocked domain or a subdomain of one. ASK when a host only
 * looks like a blocked one (`еvil.com` with a Cyrillic е), or a URL that cannot be parsed
 * mentions a blocked domain, or the arguments are too large to scan. Otherwise abstain:
 * a blocklist vouches for nothing.
 */
export function block_domains({ blocked_domains }: { blocked_domains: string[] }) {
  const blocked = domainSet(blocked_domains, "blocked_domains");
  const blockedBy = (host: string) => findDomain(host, blocked);
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    const scan = scanArguments(event.data.arguments, newSearch("all", { onlyUnder: blocked }));
    let doubt: string | undefined;
    for (const { path, item } of scan.found) {
      for (const h of [...item.hosts, ...item.rejoined]) {
        const hit = blockedBy(h.host) ?? h.also.map(blockedBy).find(Boolean);
        if (hit) return { result: "DENY", reason: `Domain ${hit} is blocked (host ${shorten(h.host)} in ${shorten(path)}).` };
        const lookalike = nonAscii(h.unicode) ? blockedBy(skeleton(h.unicode)) : undefined;
        if (lookalike) doubt ??= `Host ${shorten(h.host)} in ${shorten(path)} looks like the blocked domain ${lookalike}.`;
      }
      if (item.error !== undefined) {
        const loose = item.raw.normalize("NFKC").toLowerCase();
        const mentioned = [...blocked].find((d) => loose.includes(d));
        if (mentioned) doubt ??= `A URL in ${shorten(path)} that mentions ${mentioned} cannot be parsed (${item.error}).`;
      }
    }
    if (scan.truncated) doubt ??= "The arguments are too large to check for blocked domains.";
    return doubt ? { result: "ASK", reason: doubt } : null;
  };
}

/**
 * DENY a tool call that reaches a host that is not an allowed domain or a subdomain of one;
 * ALLOW when every host is allowed. Hosts are URLs with a scheme, values of URL-like keys
 * (`url`, `host`, `endpoint`, …), and bare names that look like destinations (`www.…`, or
 * followed by `/` or `:port`); other host-shaped words (`report.pdf`) are not taken as hosts.
 * ASK when a URL cannot be parsed, an allowed host carries doubts (invisible characters, an
 * invalid port), a URL in running text goes elsewhere once its tabs and newlines are deleted,
 * or the arguments are too large to scan. Abstain when there is no URL: the
 * call is not web access (pair with allow_tools to control which tools run at all).
 */
export function allow_domains({ allowed_domains }: { allowed_domains: string[] }) {
  const allowed = domainSet(allowed_domains, "allowed_domains");
  const isAllowed = (host: string) => findDomain(host, allowed) !== undefined;
  return (event: PolicyEvent): PolicyResponse | null => {
    if (event.type !== "tool_call") return null;
    const scan = scanArguments(event.data.arguments, newSearch("likely"));
    let doubt: string | undefined;
    for (const { path, item } of scan.found) {
      if (item.error !== undefined) doubt ??= `A URL in ${shorten(path)} cannot be parsed (${item.error}).`;
      for (const h of item.hosts) {
        if (!isAllowed(h.host)) return { result: "DENY", reason: `Host ${shorten(h.host)} (in ${shorten(path)}) is not on the allowlist.` };
        if (h.doubts.length > 0) doubt ??= `Host ${shorten(h.host)} in ${shorten(path)} is suspicious: ${h.doubts.join(", ")}.`;
      }
      const elsewhere = item.rejoined.find((h) => !isAllowed(h.host));
      if (elsewhere) doubt ??= `A URL in ${shorten(path)} goes to ${shorten(elsewhere.host)} once its tabs and newlines are deleted, as URL parsers do.`;
    }
    if (scan.truncated) doubt ??= "The arguments are too large to check every host.";
    if (doubt) return { result: "ASK", reason: doubt };
    return scan.found.length > 0 ? { result: "ALLOW" } : null;
  };
}

const DOMAINS_PARAM = {
  type: "array",
  items: { type: "string", minLength: 1, maxLength: 253 },
  minItems: 1,
  maxItems: 1000,
  uniqueItems: true,
  examples: [["example.com", "*.internal.example.org", "10.0.0.1"]],
};

export const DOMAIN_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.block_domains", kind: "factory", name: "Block Domains",
    description: "Denies tool calls whose arguments contain a URL or host in a blocked domain (or a subdomain of one); asks when a host only looks like one.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["blocked_domains"],
      properties: {
        blocked_domains: { ...DOMAINS_PARAM, title: "Blocked domains", description: "Domains or IP addresses; each blocks itself and its subdomains. Unicode names are accepted (bücher.de = xn--bcher-kva.de)." },
      },
    },
  },
  {
    handler: "palisade.builtins.allow_domains", kind: "factory", name: "Allow Domains",
    description: "Denies tool calls that reach a URL or host outside the allowed domains; allows calls whose every URL is inside them. URLs are read as URL parsers read them, tabs and newlines deleted: `https:\\n//evil.com` goes to evil.com.",
    params_schema: {
      type: "object", additionalProperties: false, required: ["allowed_domains"],
      properties: {
        allowed_domains: { ...DOMAINS_PARAM, title: "Allowed domains", description: "Domains or IP addresses; each allows itself and its subdomains." },
      },
    },
  },
];
