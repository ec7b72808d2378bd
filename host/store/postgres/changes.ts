// The change feed: one dedicated connection that LISTENs on the channel every host announces
// its writes on, so that this host's caches follow the others within milliseconds. When the
// connection drops, listeners hear `reset` at once (caches start over) and again once it is
// back, because whatever was announced in between was missed. Reconnecting is retried every
// RETRY_MS for as long as it takes; the store reports itself unhealthy meanwhile.
import { Client } from "pg";
import type { StoreChange } from "../store.ts";
import { CHANNEL, type ChangeMessage } from "./database.ts";

const RETRY_MS = 250;

export type ChangeListener = (change: StoreChange) => void;

export class ChangeFeed {
  readonly #url: string;
  readonly #origin: string;
  readonly #log: (message: string) => void;
  readonly #listeners = new Set<ChangeListener>();
  #client: Client | null = null;
  #up = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(url: string, origin: string, log: (message: string) => void) {
    this.#url = url;
    this.#origin = origin;
    this.#log = log;
  }

  /** True while the feed is listening: only then can caches be trusted to hear of changes. */
  get up(): boolean {
    return this.#up;
  }

  /** Connects and listens; throws if the first connection fails (the host then does not start). */
  async start(): Promise<void> {
    await this.#connect();
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Hands a change to every listener; one that throws does not keep it from the others. */
  emit(change: StoreChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (e) {
        this.#log(`store change ${change.kind}: a listener failed: ${(e as Error).message}`);
      }
    }
  }

  async #connect(): Promise<void> {
    const client = new Client({ connectionString: this.#url, connectionTimeoutMillis: 3000, keepAlive: true, application_name: "palisade-changes" });
    client.on("notification", (message) => {
      if (message.channel === CHANNEL && message.payload) this.#receive(message.payload);
    });
    client.on("error", () => this.#lost(client));
    client.on("end", () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (e) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      throw e;
    }
    this.#client = client;
    this.#up = true;
  }

  #receive(payload: string): void {
    let message: ChangeMessage;
    try {
      message = JSON.parse(payload) as ChangeMessage;
    } catch {
      return this.#log("store change feed: a message that is not JSON was ignored");
    }
    if (message.origin === this.#origin) return; // this host made it, and already knows
    const { origin: _, ...change } = message;
    this.emit(change as StoreChange);
  }

  #lost(client: Client): void {
    if (this.#client !== client) return; // an old connection's second event
    this.#client = null;
    this.#up = false;
    void client.end().catch(() => {});
    if (this.#closed) return;
    this.#log("store change feed: connection lost; caches start over and it reconnects");
    this.emit({ kind: "reset" });
    this.#schedule();
  }

  #schedule(): void {
    this.#retry = setTimeout(() => {
      this.#connect().then(
        () => {
          if (this.#closed) return void this.#client?.end().catch(() => {});
          this.#log("store change feed: reconnected");
          this.emit({ kind: "reset" });
        },
        () => {
          if (!this.#closed) this.#schedule();
        },
      );
    }, RETRY_MS);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    this.#up = false;
    await client?.end().catch(() => {});
  }
}
