// The state of one search for hosts in an event's text, shared by its strings: what was found,
// what was seen (so a repeat costs nothing), and the bounds on how much it reports and does.
import type { Host } from "./hosts.ts";

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

/** Most characters of the text a URL or host was found as that a Found keeps. */
export const MAX_RAW = 200;

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
export const lastLabel = (host: string): string => {
  const label = host.slice(host.lastIndexOf(".") + 1).toLowerCase();
  return /^\d+$/.test(label) ? String(Number(label)) : label;
};

/** True when the search stopped at a limit, so some of the text was not searched. */
export const truncated = (s: HostSearch): boolean => s.found.length >= s.limit || s.work >= MAX_WORK;
