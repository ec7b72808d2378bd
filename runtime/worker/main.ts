// Entry point of a sandbox worker process (forked by the supervisor with --no-node-snapshot).
// The only process that loads isolated-vm. It holds no secrets: it is forked with an empty
// environment, because tenant code in it might read process memory (isolated-vm #550).
import { writeSync } from "node:fs";
import { Socket } from "node:net";
import { Channel } from "../channel.ts";
import { CHANNEL_FD, CULPRIT_FD, culpritLine, type FromWorker, type Heaviest, type ToWorker } from "../protocol.ts";
import { CodeStore } from "./code-store.ts";
import { Executor } from "./evaluate.ts";
import { logLine } from "./log.ts";
import type { TenantSandbox } from "./sandbox.ts";
import { SyncCalls } from "./sync-calls.ts";
import { Tenants } from "./tenants.ts";
import { warmValidators } from "../validate.ts";

export interface WorkerOptions {
  maxIsolates: number;
  /** The default tenant memory limit: the spare isolate made at start-up has it. */
  memoryMb: number;
  heartbeatMs: number;
  graceMs: number;
  stuckMs: number;
  /** An idle isolate that uses this much CPU between calls is disposed (no tenant code may run then). */
  restCpuMs: number;
  /** How long past its time limit a call on the worker's own thread may block it before the worker ends. */
  syncStuckMs: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as WorkerOptions;

function die(reason: string, culprit: string | null = null): never {
  // Synchronous: the process is going down and an async write might never happen.
  logLine(`${reason}; exiting`);
  if (culprit) writeSync(CULPRIT_FD, culpritLine(culprit));
  // isolated-vm asks for the process to end; SIGKILL cannot be delayed by a stuck thread.
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
}

const code = new CodeStore();
const sync = new SyncCalls(options.syncStuckMs);
const tenants = new Tenants(options.maxIsolates, options.memoryMb, {
  graceMs: options.graceMs,
  stuckMs: options.stuckMs,
  sync,
  onCatastrophicError: (message, sandbox) => die(`isolated-vm lost control of an isolate (${message})`, sandbox?.owner),
  onStuck: (sandbox) => die("an isolate kept running after the watchdog disposed it", sandbox.owner),
});
const executor = new Executor(tenants, code, sync);
// Before the first call's output needs it (see warmValidators).
warmValidators(["verdict"]);

const socket = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
const failed = (e: unknown) => die(`internal error: ${e instanceof Error ? e.stack : String(e)}`);
const channel = new Channel<FromWorker, ToWorker>(socket, (batch) => {
  // Requests of one tenant that came together, one policy each, share one entry into its
  // isolate (Executor.evaluateMany). Any other message is handled after the requests before it.
  const together = new Map<string, Extract<ToWorker, { type: "evaluate" }>[]>();
  const start = () => {
    for (const group of together.values()) {
      if (group.length === 1) handle(group[0]!).catch(failed);
      else executor.evaluateMany(group).then((replies) => replies.forEach(send), failed);
    }
    together.clear();
  };
  for (const message of batch) {
    if (message.type !== "evaluate" || message.calls.length !== 1) {
      start();
      handle(message).catch(failed);
      continue;
    }
    const { tenant, epoch, limits: l } = message;
    const key = `${tenant}\0${epoch}\0${l.memory_mb}\0${l.timeout_ms}\0${l.max_output_bytes}`;
    const group = together.get(key);
    if (group) group.push(message);
    else together.set(key, [message]);
  }
  start();
}, (why) => die(`unreadable channel from the supervisor: ${why}`));
const send = (message: FromWorker) => channel.send(message);
// The supervisor is gone: nobody can receive verdicts, so there is nothing left to do.
socket.on("end", () => process.exit(0));
socket.on("error", () => process.exit(0));

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "ping":
      return send({ type: "pong", id: message.id });
    case "module":
      return code.put(message.code, message.script);
    case "forget":
      return executor.forget(message.code);
    case "unload":
      return executor.unload(message);
    case "drop":
      sync.forget(message.tenant);
      return tenants.drop(message.tenant, message.epoch);
    case "load":
      return send(await executor.load(message));
    case "instantiate":
      return send(await executor.instantiate(message));
    case "evaluate":
      return send(await executor.evaluate(message));
  }
}


// Between calls no tenant code may run, and no isolate may hold more than its limit allows.
// Either one means a way around the limits was found: the isolate goes, and the tenant's next
// call gets a fresh one. The heaviest idle isolate is reported, so that a worker killed for its
// RSS is blamed on the tenant whose memory it was.
// `heapBytes`: the live objects of the idle isolates' heaps together, for "where the bytes go".
function inspectIsolates(): { heaviest: Heaviest | null; heapBytes: number } {
  let heaviest: Heaviest | null = null;
  let heapBytes = 0;
  for (const sandbox of tenants.live()) {
    if (sandbox.inflight > 0 || sandbox.owner === null) continue;
    const cpuMs = sandbox.cpuAtRestMs();
    const { held: bytes, used } = sandbox.memoryBytes();
    if (cpuMs > options.restCpuMs) retire(sandbox, `used ${Math.round(cpuMs)} ms of CPU between calls`);
    else if (bytes > 3 * sandbox.memoryMb * 1048576) retire(sandbox, `holds ${Math.round(bytes / 1048576)} MB, over 3 × memory_mb (${sandbox.memoryMb} MB)`);
    else {
      heapBytes += used;
      if (!heaviest || bytes > heaviest.bytes) heaviest = { tenant: sandbox.owner, bytes };
    }
  }
  return { heaviest, heapBytes };
}

function retire(sandbox: TenantSandbox, why: string): void {
  logLine(`disposed the isolate of tenant ${JSON.stringify(sandbox.owner)}: it ${why}`);
  sandbox.dispose();
}

setInterval(() => {
  const { heaviest, heapBytes } = inspectIsolates();
  send({ type: "heartbeat", rss: process.memoryUsage.rss(), isolates: tenants.size, heaviest, heap: heapBytes, sync_calls: sync.count });
}, options.heartbeatMs);
send({ type: "ready", pid: process.pid });
