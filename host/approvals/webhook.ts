// Approval webhooks: a POST per approval created or resolved, signed with the tenant's secret,
// retried with backoff, and never awaited by a decision. The URL is a tenant's choice, so by
// default it may not reach loopback, private or link-local addresses (the host's own network):
// the check runs on the address actually connected to, after DNS, so a name that resolves to
// 127.0.0.1 is refused as surely as the literal.
import { createHmac, randomUUID } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";

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

export interface WebhookOptions {
  /** Let webhooks reach loopback and private networks (approval_webhook_private_networks). */
  allowPrivate: boolean;
  /** Waits before each retry. */
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
  log: (message: string) => void;
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 16_000];
// Deliveries under way (sending or waiting to retry): past these, new ones are dropped, and
// logged. Per tenant too, so that one tenant's dead receiver cannot crowd out another's.
const MAX_QUEUED = 1000;
const MAX_QUEUED_PER_TENANT = 100;

/** `sha256=<hex HMAC-SHA256 of the body>`, as sent in X-Palisade-Signature. */
export const signature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export class Webhooks {
  readonly #options: WebhookOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #perTenant = new Map<string, number>();
  #inFlight = 0;
  #closed = false;

  constructor(options: WebhookOptions) {
    this.#options = options;
  }

  /** Queues a delivery of `tenant`'s and returns at once. */
  send(tenant: string, url: string, secret: string, type: string, payload: object): void {
    if (this.#closed) return;
    const queued = this.#perTenant.get(tenant) ?? 0;
    if (queued >= MAX_QUEUED_PER_TENANT || this.#inFlight >= MAX_QUEUED) {
      return this.#options.log(`approval webhook: ${queued >= MAX_QUEUED_PER_TENANT ? `tenant ${tenant} has ${queued}` : `${this.#inFlight}`} deliveries under way; dropped a ${type}`);
    }
    const delivery = randomUUID();
    const body = JSON.stringify({ type, delivery, sent_at: new Date().toISOString(), ...payload });
    const headers = { "content-type": "application/json", "x-palisade-event": type, "x-palisade-delivery": delivery, "x-palisade-signature": signature(secret, body) };
    this.#inFlight++;
    this.#perTenant.set(tenant, queued + 1);
    void this.#attempt(tenant, url, body, headers, 0);
  }

  #done(tenant: string): void {
    this.#inFlight--;
    const left = this.#perTenant.get(tenant)! - 1;
    if (left) this.#perTenant.set(tenant, left);
    else this.#perTenant.delete(tenant);
  }

  async #attempt(tenant: string, url: string, body: string, headers: Record<string, string>, attempt: number): Promise<void> {
    const failure = await this.#post(url, body, headers);
    if (failure === null || this.#closed) return this.#done(tenant);
    const delays = this.#options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[attempt];
    if (delay === undefined) {
      this.#done(tenant);
      return this.#options.log(`approval webhook: gave up on ${new URL(url).origin} after ${attempt + 1} tries: ${failure}`);
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(tenant, url, body, headers, attempt + 1);
    }, delay);
    this.#timers.add(timer);
  }

  /** null on a 2xx answer, else what went wrong. */
  #post(url: string, body: string, headers: Record<string, string>): Promise<string | null> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return resolve("not a URL");
      }
      const host = target.hostname.replace(/^\[|\]$/g, "");
      // A literal address is connected to without a lookup, so it is checked here.
      if (!this.#options.allowPrivate && isIP(host) && isPrivate(host)) return resolve(`${host} is a private address`);
      const client = target.protocol === "https:" ? https : http;
      const request = client.request(target, {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        timeout: this.#options.timeoutMs ?? 5000,
        ...(this.#options.allowPrivate ? {} : { lookup: publicOnlyLookup as never }),
      }, (response) => {
        response.resume(); // the answer's body is not read, only drained
        const status = response.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? null : `HTTP ${status}`);
      });
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.on("error", (e) => resolve(e.message));
      request.end(body);
    });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
