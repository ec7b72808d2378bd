// One webhook delivery attempt: a POST to a URL a tenant chose, treated as hostile. It may not
// reach loopback, private or link-local addresses unless the operator allows it (the check runs
// on the address actually connected to, after DNS, so a name that resolves to 127.0.0.1 is
// refused as surely as the literal). The attempt ends, and its socket is closed, when the answer
// has been read (up to 64 KiB, then dropped) or its deadline passes: a receiver that never
// finishes, answers without end or trickles holds one socket for at most that long.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";

/** The most of a receiver's answer that is read; the rest is dropped with the connection. */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** One attempt's whole time: connecting, sending, and reading the answer. */
export const ATTEMPT_MS = 10_000;

const PRIVATE = new BlockList();
for (const [net, bits] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["224.0.0.0", 4], ["240.0.0.0", 4]] as const) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) PRIVATE.addSubnet(net, bits, "ipv6");

function isPrivate(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]; // an IPv4 address in IPv6 clothing
  if (mapped) return PRIVATE.check(mapped, "ipv4");
  return PRIVATE.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses private addresses; it answers both the single and the `all` form. */
function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => isPrivate(a.address));
    if (refused) return callback(Object.assign(new Error(`${hostname} resolves to ${refused.address}, a private address`), { code: "EPRIVATE" }), []);
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}

export interface Attempt {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowPrivate: boolean;
  /** Defaults to ATTEMPT_MS. */
  deadlineMs?: number;
  /** Ends the attempt at once (the host is closing). */
  signal?: AbortSignal;
}

/** Resolves null on a 2xx answer, else what went wrong; never rejects, and never outlives its deadline. */
export function post(attempt: Attempt): Promise<string | null> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(attempt.url);
    } catch {
      return resolve("not a URL");
    }
    const host = target.hostname.replace(/^\[|\]$/g, "");
    // A literal address is connected to without a lookup, so it is checked here.
    if (!attempt.allowPrivate && isIP(host) && isPrivate(host)) return resolve(`${host} is a private address`);
    const client = target.protocol === "https:" ? https : http;
    let outcome: string | null | undefined;
    let request: http.ClientRequest | undefined;
    const ms = attempt.deadlineMs ?? ATTEMPT_MS;
    const closing = () => finish("the host is closing");
    const finish = (failure: string | null) => {
      if (outcome !== undefined) return;
      outcome = failure;
      clearTimeout(deadline);
      attempt.signal?.removeEventListener("abort", closing);
      // No socket is kept for reuse: each attempt's connection ends with it.
      request?.destroy();
      resolve(failure);
    };
    const deadline = setTimeout(() => finish(`no complete answer within ${ms} ms`), ms);
    attempt.signal?.addEventListener("abort", closing);
    try {
      request = client.request(target, {
        method: "POST",
        agent: false,
        headers: { ...attempt.headers, "content-length": Buffer.byteLength(attempt.body) },
        ...(attempt.allowPrivate ? {} : { lookup: publicOnlyLookup as never }),
      }, (response) => {
        const status = response.statusCode ?? 0;
        const verdict = status >= 200 && status < 300 ? null : `HTTP ${status}`;
        let read = 0;
        // The answer is read only to know it is over; past the cap the rest is not waited for.
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) finish(verdict);
        });
        response.on("end", () => finish(verdict));
        response.on("error", (e) => finish(verdict ?? e.message));
        response.on("close", () => finish(verdict === null && !response.complete ? "the answer was cut off" : verdict));
      });
      request.on("error", (e) => finish(e.message));
      request.end(attempt.body);
    } catch (e) {
      finish((e as Error).message);
    }
  });
}
