// Matching hosts against the domains of a policy's params: a domain in canonical form, the
// entry of a list a host is in (itself or a parent, never a substring), and the skeleton of
// a Unicode host for telling when it only looks like one of them.
import { parseHost } from "./hosts.ts";

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
