// One SQLite file through node:sqlite: opening it, its migrations, prepared statements reused,
// and transactions. WAL with synchronous=NORMAL: a committed transaction is in the WAL before
// the answer goes out, so it survives the process being killed (kill -9); only an OS crash or
// power loss can take the last commits. Every write that a 2xx answer acknowledges is
// committed first.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { PalisadeError } from "../../../sdk/index.ts";
import { DataDirLock } from "./lock.ts";
import { MIGRATIONS } from "./migrations.ts";

export type Row = Record<string, unknown>;

export const now = () => new Date().toISOString();

export class Database {
  readonly #lock: DataDirLock;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #open = true;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.#lock = DataDirLock.acquire(dataDir); // before anything reads the file: a second host stops here
    try {
      this.#db = new DatabaseSync(path.join(dataDir, "palisade.db"));
      this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
      this.#migrate();
    } catch (e) {
      this.#lock.release();
      throw e;
    }
  }

  #migrate(): void {
    const { user_version: applied } = this.#db.prepare("PRAGMA user_version").get() as { user_version: number };
    if (applied > MIGRATIONS.length) {
      throw new PalisadeError("PAL_CONFIG_INVALID", `the data directory was written by a newer Palisade (schema ${applied}; this one knows ${MIGRATIONS.length})`);
    }
    for (let i = applied; i < MIGRATIONS.length; i++) {
      this.transaction(() => {
        this.#db.exec(MIGRATIONS[i]!);
        this.#db.exec(`PRAGMA user_version = ${i + 1}`);
      });
    }
  }

  /** A prepared statement, made once per SQL text. */
  q(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  transaction<T>(fn: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  healthy(): boolean {
    if (!this.#open) return false;
    try {
      this.q("SELECT 1").get();
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#db.close();
    this.#lock.release();
  }
}

/** Whether a failed statement broke a UNIQUE or PRIMARY KEY constraint. */
export const isUniqueViolation = (e: unknown) => /UNIQUE|PRIMARY KEY/.test(String((e as Error)?.message));
