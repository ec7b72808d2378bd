// One sandbox worker process as the supervisor sees it: the child, its requests in flight,
// which module codes it already holds, and its last sign of life. When it exits, only its own
// requests fail (as crashes); the pool decides about a replacement.
import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Channel } from "../channel.ts";
import { CHANNEL_FD, culpritOf, type FromWorker, type Heaviest, type Reply, type Request, type RequestBody, type ToWorker } from "../protocol.ts";
import type { WorkerOptions } from "../worker/main.ts";

// Same extension as this file: .ts in the repository, .js in the built package (dist/).
const WORKER_MAIN = fileURLToPath(new URL(`../worker/main${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** A worker's requests reject with this when the process dies under them. */
export class WorkerExited extends Error {
  readonly reason: string;
  constructor(reason: string, message = `sandbox worker died: ${reason}`) {
    super(message);
    this.reason = reason;
  }
}

type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void; tenant: string };

export class WorkerHandle {
  readonly index: number;
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /**
   * Resolves when the process is gone, with why, and (`suspect`, once its stderr has ended)
   * which tenant to blame: the one the worker named, else the only tenant it was working for,
   * else none. A crash while several tenants were in flight blames nobody, so that no tenant
   * can get a neighbour quarantined.
   */
  readonly exited: Promise<{ reason: string; suspect: Promise<string | null> }>;
  /** sha256 of every module code this worker holds. */
  readonly modules = new Set<string>();
  state: "starting" | "ready" | "exited" = "starting";
  /** Whether a message came since the pool last looked (see pool.ts: silence is counted there). */
  heard = false;
  /** The last lines the worker wrote to stderr, for start-up failure reports. */
  readonly stderrTail: string[] = [];
  rssBytes = 0;
  heapBytes = 0;
  isolates = 0;
  syncCalls = 0;
  heartbeats = 0;
  heaviest: Heaviest | null = null;
  #nextId = 1;
  #killReason: string | null = null;
  #blame = true;
  #culprit: string | null = null;
  readonly #pending = new Map<number, Pending>();
  readonly #channel: Channel<ToWorker, FromWorker>;

  constructor(index: number, options: WorkerOptions, onLog: (line: string) => void) {
    this.index = index;
    // --no-node-snapshot: required by isolated-vm on Node ≥ 20 (isolated-vm #420, #424). The
    // flags are set here, not inherited, so the caller's own (inspector, loaders) never reach
    // a sandbox process.
    // --allow-unsafe-function-constructor: a module's realm is entered through its tenant's
    // hub, a context with another security token, and V8 then refuses `Function(…)` in the
    // module ("no access"). The check guards cross-origin frames in browsers; here no object
    // of one realm reaches another, so the Function a module calls is always its own.
    this.child = spawn(process.execPath, ["--no-node-snapshot", "--allow-unsafe-function-constructor", WORKER_MAIN, JSON.stringify(options)], {
      env: {},
      // fd 3 is the channel (a socket pair); fd 4 carries culprit lines, written only by the
      // worker's own code (see protocol.ts).
      stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"],
    });
    const culprits = this.child.stdio[4] as Readable;
    let culpritText = "";
    culprits.setEncoding("utf8").on("data", (chunk: string) => {
      culpritText = (culpritText + chunk).slice(-4096);
      this.#culprit = culpritOf(culpritText) ?? this.#culprit;
    });
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) {
        if (!line.trim()) continue;
        onLog(line);
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      }
    });
    const socket = this.child.stdio[CHANNEL_FD] as Socket;
    // A send to a dying child fails; the exit handler settles everything in flight.
    socket.on("error", () => {});
    const ready = Promise.withResolvers<void>();
    this.ready = ready.promise;
    this.child.once("exit", (code, signal) => ready.reject(new WorkerExited(this.#exitReason(code, signal))));
    this.#channel = new Channel<ToWorker, FromWorker>(socket, (batch) => {
      this.heard = true;
      for (const message of batch) this.#receive(message, ready.resolve);
    }, (why) => this.kill(`unreadable channel: ${why}`));
    this.ready.catch(() => {});
    // Once the culprit pipe has ended, a culprit line written just before exit is in.
    const culpritsEnded = new Promise((resolve) => culprits.once("close", resolve));
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.state = "exited";
        const reason = this.#exitReason(code, signal);
        const serving = new Set<string>();
        for (const pending of this.#pending.values()) {
          serving.add(pending.tenant);
          pending.reject(new WorkerExited(reason));
        }
        this.#pending.clear();
        const sole = this.#blame && serving.size === 1 ? [...serving][0]! : null;
        resolve({ reason, suspect: culpritsEnded.then(() => this.#culprit ?? sole) });
      });
    });
    // A failure to spawn is an exit without a code: the exit handler settles everything.
    this.child.on("error", () => {});
  }

  #receive(message: FromWorker, ready: () => void): void {
    if (message.type === "ready") {
      this.state = "ready";
      this.#holdProcessOpen(false);
      ready();
    } else if (message.type === "heartbeat") {
      this.rssBytes = message.rss;
      this.heapBytes = message.heap;
      this.isolates = message.isolates;
      this.syncCalls = message.sync_calls;
      this.heartbeats++;
      this.heaviest = message.heaviest;
    } else {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) this.#holdProcessOpen(false);
      pending?.resolve(message);
    }
  }

  get inflight(): number {
    return this.#pending.size;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request(message: RequestBody): Promise<Reply> {
    if (this.state === "exited") return Promise.reject(new WorkerExited(this.#exitReason()));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, tenant: message.tenant });
      if (this.#pending.size === 1) this.#holdProcessOpen(true);
      this.post({ ...message, id } as Request);
    });
  }

  post(message: ToWorker): void {
    if (this.state !== "exited") this.#channel.send(message);
  }

  /** Asks the worker to exit (it does when its channel closes), killing it if it does not. */
  async stop(graceMs: number): Promise<void> {
    if (this.state === "exited") return;
    this.#killReason ??= "runtime closed";
    this.#holdProcessOpen(true);
    // The worker exits when its channel ends.
    this.#channel.end();
    const timer = setTimeout(() => this.kill("did not exit when asked"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * `blame`: false when the kill is no tenant's doing; a tenant's id when it is that tenant's
   * (the one whose isolate held the memory of an RSS ceiling), whoever was in flight.
   */
  kill(reason: string, blame: boolean | string = true): void {
    if (this.state === "exited") return;
    this.#killReason ??= reason;
    if (typeof blame === "string") this.#culprit ??= blame;
    else this.#blame &&= blame;
    // Whoever kills a worker waits for its exit: keep the process up until it comes.
    this.#holdProcessOpen(true);
    this.child.kill("SIGKILL");
  }

  // An idle worker must not keep its parent alive (a script or test runner that forgot
  // close() still exits); a worker with requests in flight must, or their answers are lost.
  #holdProcessOpen(hold: boolean): void {
    const handles = [this.child, this.child.stdio[CHANNEL_FD], this.child.stderr, this.child.stdio[4]] as ({ ref(): void; unref(): void } | null | undefined)[];
    for (const handle of handles) {
      if (hold) handle?.ref();
      else handle?.unref();
    }
  }

  #exitReason(code?: number | null, signal?: NodeJS.Signals | null): string {
    if (this.#killReason) return this.#killReason;
    if (signal) return `worker exited on ${signal}`;
    return `worker exited with code ${code ?? "unknown"}`;
  }
}
