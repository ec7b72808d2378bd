// Webhook deliveries survive a crash: each is kept in the store's outbox from when it is queued
// until it is done (delivered, or given up on), leased to the host that makes it. The lease is
// renewed while the host lives; a host that dies stops renewing, and once its leases run out
// another host (or this one, started again) takes the deliveries over. At least once: a
// delivery whose answer was lost with its host is made again, with the same X-Palisade-Delivery
// id, so that receivers can tell.
import { randomUUID } from "node:crypto";
import type { OutboxRow, OutboxStore } from "../store/store.ts";
import type { DeliveryKeeper, Webhooks } from "./webhook.ts";

const LEASE_MS = 30_000;
// Leases are renewed, and deliveries of dead hosts looked for, this often.
const RENEW_MS = 5_000;
const TAKE_AT_ONCE = 100;

export interface OutboxOptions {
  /** This host alone writes the store (SQLite): at start, everything in the outbox is its own. */
  exclusive: boolean;
  log: (message: string) => void;
}

export class OutboxKeeper implements DeliveryKeeper {
  readonly #store: OutboxStore;
  readonly #webhooks: Webhooks;
  readonly #options: OutboxOptions;
  readonly #owner = randomUUID();
  readonly #timer: NodeJS.Timeout;
  #first = true;
  /** Rows being written: a delivery done before its row was stored is removed after it is. */
  readonly #adding = new Map<string, Promise<void>>();

  constructor(store: OutboxStore, webhooks: Webhooks, options: OutboxOptions) {
    this.#store = store;
    this.#webhooks = webhooks;
    this.#options = options;
    webhooks.keepIn(this);
    this.#timer = setInterval(() => void this.tick(), RENEW_MS).unref();
    void this.tick();
  }

  queued(row: OutboxRow): void {
    const adding = this.#store.add(row, this.#owner, new Date(Date.now() + LEASE_MS))
      .catch((e: Error) => this.#options.log(`approval webhook: delivery ${row.id} not kept in the outbox (a crash now would lose it): ${e.message}`))
      .finally(() => this.#adding.delete(row.id));
    this.#adding.set(row.id, adding);
  }

  done(id: string): void {
    // After its row is written: a remove that overtook the insert would leave the row behind,
    // and the delivery would be made again once its lease ran out.
    void (this.#adding.get(id) ?? Promise.resolve())
      .then(() => this.#store.remove(id))
      .catch((e: Error) => this.#options.log(`approval webhook: delivery ${id} stays in the outbox (it may be made again): ${e.message}`));
  }

  /** Renews this host's leases, and takes over deliveries whose host died. */
  async tick(): Promise<void> {
    try {
      const now = new Date();
      const until = new Date(now.getTime() + LEASE_MS);
      await this.#store.renew(this.#owner, this.#webhooks.underWay(), until);
      // A host that owns its store is the only one: at its start, every row is a dead host's.
      // (Times are compared as ISO text: the end of year 9999 is the latest that sorts right.)
      const expired = this.#first && this.#options.exclusive ? new Date("9999-12-31T23:59:59.999Z") : now;
      this.#first = false;
      for (const row of await this.#store.takeOver(this.#owner, expired, until, TAKE_AT_ONCE)) this.#webhooks.resume(row);
    } catch (e) {
      this.#options.log(`approval webhook: the outbox could not be read: ${(e as Error).message}`);
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
