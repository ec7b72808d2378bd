// One host per data directory. Two hosts on one SQLite file would each trust caches the other
// does not update, so a second one must refuse to start. The lock is SQLite's own: an exclusive
// transaction held open on `palisade.lock` for the life of the store. The kernel drops it when
// the process dies (kill -9 included), so a crashed host never blocks the next start, and no pid
// is ever trusted to decide staleness. The holder writes its pid beside it, for the message.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { PalisadeError } from "../../../sdk/index.ts";

export class DataDirLock {
  readonly #db: DatabaseSync;
  readonly #pidFile: string;

  private constructor(db: DatabaseSync, pidFile: string) {
    this.#db = db;
    this.#pidFile = pidFile;
  }

  /** Takes the data directory, or throws PAL_DATA_DIR_LOCKED naming the lock file and the holder's pid. */
  static acquire(dataDir: string): DataDirLock {
    const lockFile = path.join(dataDir, "palisade.lock");
    const pidFile = path.join(dataDir, "palisade.pid");
    const db = new DatabaseSync(lockFile);
    try {
      db.exec("PRAGMA busy_timeout = 0; BEGIN EXCLUSIVE");
    } catch {
      db.close();
      const holder = readPid(pidFile);
      throw new PalisadeError(
        "PAL_DATA_DIR_LOCKED",
        `data directory ${dataDir} is in use by another Palisade host (${holder === null ? "pid unknown" : `pid ${holder}`}; lock file ${lockFile}). ` +
          "Stop that host, or start this one with another --data; to run several hosts on one store, use PostgreSQL (--store postgres://…)",
        { lock_file: lockFile, pid: holder },
      );
    }
    writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
    return new DataDirLock(db, pidFile);
  }

  release(): void {
    if (!this.#db.isOpen) return;
    rmSync(this.#pidFile, { force: true });
    this.#db.close(); // ends the transaction, and with it the lock
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null; // the holder is between taking the lock and writing its pid
  }
}
