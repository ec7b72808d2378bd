// Approval webhooks: a POST per approval created or resolved, signed with the tenant's secret,
// retried with backoff, and never awaited by a decision. Each receiver is a tenant's choice and
// may be hostile: an attempt (webhook-post.ts) holds a socket for at most its deadline, and the
// host's outbound sockets are one budget, of which a tenant may hold only a few at once. A
// receiver that answers slowly, endlessly or not at all costs only its own tenant's deliveries.
import { createHmac, randomUUID } from "node:crypto";
import type { OutboxRow } from "../store/store.ts";
import { post } from "./webhook-post.ts";

export interface WebhookOptions {
  /** Let webhooks reach loopback and private networks (approval_webhook_private_networks). */
  allowPrivate: boolean;
  /** Waits before each retry. */
  retryDelaysMs?: readonly number[];
  /** One attempt's whole time (default ATTEMPT_MS, 10 s). */
  attemptMs?: number;
  log: (message: string) => void;
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 16_000];
// Deliveries under way (sending or waiting to retry): past these, new ones are dropped, and
// logged. Per tenant too, so that one tenant's dead receiver cannot crowd out another's.
const MAX_QUEUED = 1000;
const MAX_QUEUED_PER_TENANT = 100;
// Attempts connected at once, host-wide and per tenant: the host's outbound sockets (and file
// descriptors) are one budget, and no tenant's receiver can take more than its share of it.
export const MAX_SOCKETS = 32;
export const MAX_SOCKETS_PER_TENANT = 4;

/** A delivery under way: its outbox row, with its next try as a time, and its retry timer. */
interface Pending extends Omit<OutboxRow, "due_at"> {
  /** When its next try is due (ms since the epoch). */
  dueAt: number;
  /** While it waits to be retried. */
  timer?: NodeJS.Timeout;
}

/** Where deliveries are kept until done, so that a crash loses none (OutboxKeeper). */
export interface DeliveryKeeper {
  queued(row: OutboxRow): void;
  done(id: string): void;
}

const rowOf = (p: Pending): OutboxRow => ({ id: p.id, tenant: p.tenant, url: p.url, body: p.body, headers: p.headers, attempt: p.attempt, due_at: new Date(p.dueAt).toISOString() });

/** `sha256=<hex HMAC-SHA256 of the body>`, as sent in X-Palisade-Signature. */
export const signature = (secret: string, body: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export class Webhooks {
  readonly #options: WebhookOptions;
  /** Deliveries waiting to be retried, each with its timer. */
  readonly #retrying = new Set<Pending>();
  readonly #perTenant = new Map<string, number>();
  // Attempts waiting for a socket, in the order they became due, and the sockets each tenant holds.
  readonly #waiting: Pending[] = [];
  readonly #sockets = new Map<string, number>();
  #socketsUsed = 0;
  #inFlight = 0;
  #closed = false;
  readonly #closing = new AbortController();
  /** Attempts connected now. */
  readonly #active = new Set<Pending>();
  #keeper: DeliveryKeeper | undefined;

  constructor(options: WebhookOptions) {
    this.#options = options;
  }

  /** Keeps every delivery in `keeper` from when it is queued until it is done. */
  keepIn(keeper: DeliveryKeeper): void {
    this.#keeper = keeper;
  }

  /** Every delivery under way, for the keeper to renew its leases. */
  underWay(): OutboxRow[] {
    return [...this.#waiting, ...this.#retrying, ...this.#active].map(rowOf);
  }

  /**
   * Takes up a delivery a host queued before it died (or before this one restarted): it was
   * accepted then, so it is not held to the caps again. At least once: it may have been made.
   */
  resume(row: OutboxRow): void {
    if (this.#closed) return;
    this.#inFlight++;
    this.#perTenant.set(row.tenant, (this.#perTenant.get(row.tenant) ?? 0) + 1);
    const pending: Pending = { id: row.id, tenant: row.tenant, url: row.url, body: row.body, headers: row.headers, attempt: row.attempt, dueAt: Date.parse(row.due_at) };
    const wait = pending.dueAt - Date.now();
    if (wait > 0) this.#retryIn(pending, wait);
    else this.#due(pending);
  }

  /** Queues a delivery of `tenant`'s and returns at once. */
  send(tenant: string, url: string, secret: string, type: string, payload: object): void {
    if (this.#closed) return;
    const queued = this.#perTenant.get(tenant) ?? 0;
    if (queued >= MAX_QUEUED_PER_TENANT) return this.#options.log(`approval webhook: tenant ${tenant} has ${queued} deliveries under way; dropped a ${type}`);
    // The host's queue is full: the tenant with the most under way gives up its oldest waiting
    // delivery, so that tenants whose receivers never answer cannot crowd out one whose do.
    if (this.#inFlight >= MAX_QUEUED && !this.#evictFor(tenant, queued)) return this.#options.log(`approval webhook: ${this.#inFlight} deliveries under way; dropped a ${type} of tenant ${tenant}`);
    const delivery = randomUUID();
    const body = JSON.stringify({ type, delivery, sent_at: new Date().toISOString(), ...payload });
    const headers = { "content-type": "application/json", "x-palisade-event": type, "x-palisade-delivery": delivery, "x-palisade-signature": signature(secret, body) };
    this.#inFlight++;
    this.#perTenant.set(tenant, queued + 1);
    const pending: Pending = { id: delivery, tenant, url, body, headers, attempt: 0, dueAt: Date.now() };
    this.#keeper?.queued(rowOf(pending));
    this.#due(pending);
  }

  /** What is under way: deliveries not yet done, attempts waiting for a socket, and sockets held, in all and per tenant. */
  stats(): { deliveries: number; waiting: number; sockets: number; socketsOf: (tenant: string) => number } {
    return { deliveries: this.#inFlight, waiting: this.#waiting.length, sockets: this.#socketsUsed, socketsOf: (tenant) => this.#sockets.get(tenant) ?? 0 };
  }

  #due(pending: Pending): void {
    this.#waiting.push(pending);
    this.#pump();
  }

  // Drops the oldest waiting (or retrying) delivery of the tenant with the most under way, if it
  // has more than `queued`; true when room was made.
  #evictFor(tenant: string, queued: number): boolean {
    let fullest: string | undefined;
    for (const [t, n] of this.#perTenant) if (t !== tenant && n > queued && (fullest === undefined || n > this.#perTenant.get(fullest)!)) fullest = t;
    if (fullest === undefined) return false;
    const waiting = this.#waiting.findIndex((p) => p.tenant === fullest);
    const victim = waiting >= 0 ? this.#waiting.splice(waiting, 1)[0] : [...this.#retrying].find((p) => p.tenant === fullest);
    if (!victim) return false;
    if (victim.timer) {
      clearTimeout(victim.timer);
      this.#retrying.delete(victim);
    }
    this.#done(victim);
    this.#options.log(`approval webhook: the host's queue is full; dropped a delivery of tenant ${fullest} (${this.#perTenant.get(fullest) ?? 0} left) to make room for tenant ${tenant}'s`);
    return true;
  }

  // Starts every waiting attempt that a socket is free for: the oldest first, skipping a tenant
  // that holds its share already, so that one tenant's slow receiver does not hold up another's.
  #pump(): void {
    for (let i = 0; i < this.#waiting.length && this.#socketsUsed < MAX_SOCKETS;) {
      const next = this.#waiting[i]!;
      const held = this.#sockets.get(next.tenant) ?? 0;
      if (held >= MAX_SOCKETS_PER_TENANT) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#socketsUsed++;
      this.#sockets.set(next.tenant, held + 1);
      this.#active.add(next);
      void this.#attempt(next);
    }
  }

  #done(pending: Pending): void {
    const { tenant } = pending;
    this.#keeper?.done(pending.id);
    this.#inFlight--;
    const left = this.#perTenant.get(tenant)! - 1;
    if (left) this.#perTenant.set(tenant, left);
    else this.#perTenant.delete(tenant);
  }

  async #attempt(pending: Pending): Promise<void> {
    const { tenant, url, body, headers, attempt } = pending;
    const failure = await post({ url, body, headers, allowPrivate: this.#options.allowPrivate, signal: this.#closing.signal, ...(this.#options.attemptMs ? { deadlineMs: this.#options.attemptMs } : {}) });
    this.#active.delete(pending);
    this.#socketsUsed--;
    const held = this.#sockets.get(tenant)! - 1;
    if (held) this.#sockets.set(tenant, held);
    else this.#sockets.delete(tenant);
    this.#pump();
    // Closing: the delivery stays in the keeper, for the next host to make.
    if (this.#closed) return;
    if (failure === null) return this.#done(pending);
    const delays = this.#options.retryDelaysMs ?? RETRY_DELAYS_MS;
    const delay = delays[attempt];
    if (delay === undefined) {
      this.#done(pending);
      return this.#options.log(`approval webhook: gave up on ${new URL(url).origin} after ${attempt + 1} tries: ${failure}`);
    }
    this.#retryIn({ ...pending, attempt: attempt + 1 }, delay);
  }

  #retryIn(retry: Pending, delay: number): void {
    retry.dueAt = Date.now() + delay;
    retry.timer = setTimeout(() => {
      this.#retrying.delete(retry);
      delete retry.timer;
      this.#due(retry);
    }, delay);
    this.#retrying.add(retry);
  }

  close(): void {
    this.#closed = true;
    this.#waiting.length = 0;
    this.#closing.abort();
    for (const pending of this.#retrying) clearTimeout(pending.timer);
    this.#retrying.clear();
  }
}
