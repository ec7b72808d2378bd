// A throwaway PostgreSQL server for tests: initdb into a temporary directory, started with
// pg_ctl on a free port (loopback and a private socket directory only), one database per store
// a test opens, stopped and removed in afterAll. initdb refuses to run as root, so as root the
// server runs as the `postgres` user (made here if the machine has none). The binaries are
// looked up on PATH, then where Debian puts them; test/setup/postgres.ts installs them if absent.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";

const USER = "postgres";

/** The directory holding initdb and pg_ctl, or null when PostgreSQL is not installed. */
export function postgresBin(): string | null {
  const onPath = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" }).stdout.trim();
  if (onPath) return path.dirname(onPath);
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, "bin") : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// As root: run the server as USER, created if it does not exist.
function runAs(): string[] {
  if (process.getuid?.() !== 0) return [];
  if (spawnSync("id", [USER]).status !== 0) execFileSync("useradd", ["--system", "--no-create-home", USER]);
  return ["runuser", "-u", USER, "--"];
}

export class TestPostgres {
  readonly port: number;
  readonly #dir: string;
  readonly #bin: string;
  readonly #prefix: string[];
  #databases = 0;

  private constructor(port: number, dir: string, bin: string, prefix: string[]) {
    this.port = port;
    this.#dir = dir;
    this.#bin = bin;
    this.#prefix = prefix;
  }

  static async start(): Promise<TestPostgres> {
    const bin = postgresBin();
    if (!bin) throw new Error("PostgreSQL is not installed: initdb not found (test/setup/postgres.ts installs it; run the tests through vitest)");
    const dir = mkdtempSync(path.join(tmpdir(), "palisade-pg-"));
    const prefix = runAs();
    if (prefix.length) {
      const { uid, gid } = JSON.parse(execFileSync("sh", ["-c", `printf '{"uid":%s,"gid":%s}' $(id -u ${USER}) $(id -g ${USER})`], { encoding: "utf8" })) as { uid: number; gid: number };
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    const server = new TestPostgres(await freePort(), dir, bin, prefix);
    server.#run("initdb", ["-D", server.#data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    server.restart();
    return server;
  }

  get #data(): string {
    return path.join(this.#dir, "data");
  }

  #run(tool: string, args: string[]): void {
    const [command, ...rest] = [...this.#prefix, path.join(this.#bin, tool), ...args];
    const result = spawnSync(command!, rest, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status}): ${result.stderr}${result.stdout}`);
  }

  /** A URL for a new, empty database. */
  async database(): Promise<string> {
    const name = `t${++this.#databases}`;
    const admin = new Client({ connectionString: this.url("postgres") });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return this.url(name);
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts (or starts again, on the same port and data) the server, and waits until it accepts connections. */
  restart(): void {
    // fsync off: a test server's durability is the OS's; a host killed with kill -9 loses nothing either way.
    this.#run("pg_ctl", ["-D", this.#data, "-l", path.join(this.#data, "server.log"), "-w", "-t", "60", "start",
      "-o", `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`]);
  }

  /** Kills the server at once (as a crash would: no clean shutdown). */
  kill(): void {
    this.#run("pg_ctl", ["-D", this.#data, "-m", "immediate", "-w", "stop"]);
  }

  stop(): void {
    try {
      this.#run("pg_ctl", ["-D", this.#data, "-m", "fast", "-w", "stop"]);
    } catch {
      // already stopped
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
