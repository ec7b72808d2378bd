// Finding URLs and hosts in text, and parsing hosts the way a browser would. Matching must be
// done on the parsed host, never on substrings: `https://evil.com@good.com` goes to good.com,
// and `http://2130706433/` goes to 127.0.0.1. This file is the folder's only public door:
//
//   hosts.ts         a host parsed as WHATWG URL parsing would (ip-addresses.ts, punycode.ts)
//   domain-match.ts  a host against a policy's domain list, and lookalikes of its entries
//   host-search.ts   the state and bounds of one search across an event's strings
//   find-urls.ts     URLs with a scheme in text, and values given where a URL is expected
//   bare-hosts.ts    host-shaped words without a scheme
export { findDomain, normalizeDomain, skeleton } from "./domain-match.ts";
export { findHosts, findHostsInUrlValue } from "./find-urls.ts";
export { MAX_HOSTS, MAX_WORK, newSearch, truncated, type Found, type HostSearch } from "./host-search.ts";
export { isMixedScript, parseHost, type Host, type HostResult } from "./hosts.ts";
export { punycodeDecode, punycodeEncode } from "./punycode.ts";
