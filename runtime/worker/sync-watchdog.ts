// A thread that watches the worker's main thread while it runs a policy call synchronously.
// No timer of the main thread can fire during such a call, so this one lives on a thread of
// its own and shares three things with it through memory: the deadline, a generation number
// (so that a call that ended is never mistaken for the next one), and the culprit line naming
// the tenant. Past the deadline, it writes that line to the culprit pipe and kills the process,
// exactly what the worker does itself for an isolate that outlives the async watchdog.
//
// Arming and disarming are plain stores: no system call, no message. The thread looks every
// TICK_MS, so a stuck call is ended at most one tick after its deadline.
import { Worker } from "node:worker_threads";
import { CULPRIT_FD, culpritLine } from "../protocol.ts";

const TICK_MS = 25;
const MAX_LINE_BYTES = 4096;

// CommonJS, run by the thread itself: it loads nothing of Palisade and never sees tenant code.
const THREAD_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { shared, tickMs, culpritFd } = workerData;
const words = new Int32Array(shared, 0, 2); // [generation, culprit line length]
const deadline = new Float64Array(shared, 8, 1);
const line = new Uint8Array(shared, 16);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  Atomics.wait(sleeper, 0, 0, tickMs);
  const generation = Atomics.load(words, 0);
  const due = deadline[0];
  if (due === 0 || Date.now() < due || Atomics.load(words, 0) !== generation) continue;
  try { writeSync(culpritFd, line.slice(0, words[1])); } catch {}
  process.kill(process.pid, "SIGKILL");
}`;

export class SyncWatchdog {
  readonly #words: Int32Array;
  readonly #deadline: Float64Array;
  readonly #line: Uint8Array;
  readonly #stuckMs: number;
  #tenant: string | null = null;

  constructor(stuckMs: number) {
    const shared = new SharedArrayBuffer(16 + MAX_LINE_BYTES);
    this.#words = new Int32Array(shared, 0, 2);
    this.#deadline = new Float64Array(shared, 8, 1);
    this.#line = new Uint8Array(shared, 16);
    this.#stuckMs = stuckMs;
    const thread = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { shared, tickMs: TICK_MS, culpritFd: CULPRIT_FD },
      // It needs next to nothing; keep its heap from costing the worker's tenants memory.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
      stdout: false,
      stderr: false,
    });
    // It must never keep the worker alive on its own.
    thread.unref();
  }

  /** A call of `tenant`'s with time limit `timeoutMs` starts now. */
  arm(tenant: string, timeoutMs: number): void {
    if (tenant !== this.#tenant) {
      const { written } = new TextEncoder().encodeInto(culpritLine(tenant), this.#line);
      Atomics.store(this.#words, 1, written);
      this.#tenant = tenant;
    }
    this.#deadline[0] = Date.now() + timeoutMs + this.#stuckMs;
    Atomics.add(this.#words, 0, 1);
  }

  disarm(): void {
    this.#deadline[0] = 0;
    Atomics.add(this.#words, 0, 1);
  }
}
