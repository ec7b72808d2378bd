// The PostgreSQL connection pool: queries, transactions, the health check, and the one place
// where driver errors become Palisade errors. A database that cannot be reached answers
// PAL_STORE_UNAVAILABLE (503), never a guess; the caller fails closed. Connection URLs may
// carry a password, so no message here ever includes one.
import { Pool, type PoolClient } from "pg";
import { PalisadeError } from "../../../sdk/index.ts";
import type { StoreChange } from "../store.ts";

export type Row = Record<string, unknown>;

export const now = () => new Date().toISOString();

/** The channel every host listens on for the others' changes. */
export const CHANNEL = "palisade_changes";

/** What travels on CHANNEL: a change, and the store that made it (which ignores its own). */
export type ChangeMessage = StoreChange & { origin: string };

/** Statements, on the pool or inside one transaction. */
export interface Queries {
  rows<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  one<R = Row>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A transaction: its statements, and changes to announce when (and only if) it commits. */
export interface Tx extends Queries {
  notify(change: StoreChange): Promise<void>;
}

const PING_MS = 1000;
// Driver and server errors that mean "the database is not there", not "this statement is wrong".
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "57P01", "57P02", "57P03"]);

export function isUnreachable(e: unknown): boolean {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || code.startsWith("08"))) return true;
  return typeof message === "string" && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/.test(message);
}

/** Whether a failed statement broke a UNIQUE or PRIMARY KEY constraint. */
export const isUniqueViolation = (e: unknown) => (e as { code?: unknown })?.code === "23505";

/** A session's lock across hosts (SessionStore.lock). */
export interface HeldLock {
  /** False once the lock's connection failed: PostgreSQL then let go of the lock. */
  held(): boolean;
  release(): Promise<void>;
}

// Connections that hold session locks: their own pool, so that sessions waiting for a lock can
// never take every connection the decisions they wait for need to commit.
const LOCK_CONNECTIONS = 32;

export class Database implements Queries {
  readonly #pool: Pool;
  readonly #locks: Pool;
  readonly #ping: NodeJS.Timeout;
  /** Identifies this store's own messages on CHANNEL. */
  readonly origin: string;
  #reachable = true;
  #open = true;

  constructor(url: string, origin: string, onIdleError: (message: string) => void) {
    this.origin = origin;
    // A short connect timeout: while the database is down, requests fail in seconds instead of queueing.
    this.#pool = new Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30_000, keepAlive: true, application_name: "palisade" });
    // An idle connection that dies (the server restarted) must not crash the host; the pool drops it.
    this.#pool.on("error", (e) => {
      this.#reachable = false;
      onIdleError(e.message);
    });
    // A lock another host holds for longer than this is a host in trouble: fail, do not queue.
    this.#locks = new Pool({ connectionString: url, max: LOCK_CONNECTIONS, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30_000, keepAlive: true, application_name: "palisade-locks", options: "-c lock_timeout=10s" });
    this.#locks.on("error", (e) => onIdleError(e.message));
    this.#ping = setInterval(() => void this.#check(), PING_MS).unref();
  }

  get reachable(): boolean {
    return this.#open && this.#reachable;
  }

  async #check(): Promise<void> {
    try {
      await this.#pool.query("SELECT 1");
      this.#reachable = true;
    } catch {
      this.#reachable = false;
    }
  }

  rows<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return this.#guard(async () => (await this.#pool.query(sql, params as unknown[])).rows as R[]);
  }

  async one<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(sql, params))[0];
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#guard(async () => (await this.#pool.query(sql, params as unknown[])).rowCount ?? 0);
  }

  /** Runs `fn` in one transaction (READ COMMITTED: each statement sees what committed before it). */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.#guard(async () => {
      const client = await this.#pool.connect();
      // The pool listens for a connection's errors only while it is idle: one that dies while
      // checked out here (the server went away between statements) would otherwise crash the host.
      let broken: Error | undefined;
      const lost = (e: Error) => {
        broken = e;
        this.#reachable = false;
      };
      client.on("error", lost);
      try {
        await client.query("BEGIN");
        const result = await fn(transactionOf(client, this.origin));
        await client.query("COMMIT");
        return result;
      } catch (e) {
        if (isUnreachable(e)) broken ??= e as Error;
        await client.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        client.off("error", lost);
        client.release(broken); // a broken connection is discarded, not reused
      }
    });
  }

  /**
   * Takes advisory lock `key` on a connection of its own and holds it until release: whichever
   * host asks, one holder at a time. A connection that fails drops the lock with it (held()
   * then says so), and is not reused.
   */
  lock(key: string): Promise<HeldLock> {
    return this.#guard(async () => {
      const client = await this.#locks.connect();
      let broken: Error | undefined;
      const lost = (e: Error) => void (broken = e);
      client.on("error", lost);
      try {
        await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
      } catch (e) {
        client.off("error", lost);
        client.release(e as Error);
        throw e;
      }
      let released = false;
      return {
        held: () => broken === undefined && !released,
        release: async () => {
          if (released) return;
          released = true;
          await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch((e: Error) => void (broken ??= e));
          client.off("error", lost);
          client.release(broken);
        },
      };
    });
  }

  /** Runs one statement and announces `change` if it changed a row, atomically. */
  async write(sql: string, params: readonly unknown[], change: StoreChange): Promise<number> {
    return this.transaction(async (tx) => {
      const changed = await tx.run(sql, params);
      if (changed) await tx.notify(change);
      return changed;
    });
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.#open) throw new PalisadeError("PAL_STORE_UNAVAILABLE", "the PostgreSQL store is closed");
    try {
      return await fn();
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      this.#reachable = false;
      throw new PalisadeError("PAL_STORE_UNAVAILABLE", `the PostgreSQL store is unreachable (${(e as Error).message}); retry once it is back`, undefined, { cause: e });
    }
  }

  async close(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    clearInterval(this.#ping);
    await Promise.all([this.#pool.end(), this.#locks.end()]);
  }
}

function transactionOf(client: PoolClient, origin: string): Tx {
  const rows = async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[];
  return {
    rows,
    one: async <R>(sql: string, params: readonly unknown[] = []) => (await rows<R>(sql, params))[0],
    run: async (sql, params = []) => (await client.query(sql, params as unknown[])).rowCount ?? 0,
    // NOTIFY inside a transaction is delivered at COMMIT, and not at all on ROLLBACK.
    notify: async (change) => void (await client.query("SELECT pg_notify($1, $2)", [CHANNEL, JSON.stringify({ ...change, origin } satisfies ChangeMessage)])),
  };
}
