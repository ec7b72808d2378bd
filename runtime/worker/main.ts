// Entry point of a sandbox worker process (forked by the supervisor with --no-node-snapshot).
// The only process that loads isolated-vm. It holds no secrets: it is forked with an empty
// environment, because tenant code in it might read process memory (isolated-vm #550).
import { writeSync } from "node:fs";
import { culpritLine, type FromWorker, type ToWorker } from "../protocol.ts";
import { Outbox } from "../outbox.ts";
import { Executor } from "./evaluate.ts";
import { CodeStore } from "./sandbox.ts";
import { Tenants } from "./tenants.ts";

export interface WorkerOptions {
  maxIsolates: number;
  /** The default tenant memory limit: the spare isolate made at start-up has it. */
  memoryMb: number;
  heartbeatMs: number;
  graceMs: number;
  stuckMs: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as WorkerOptions;

function die(reason: string, culprit: string | null = null): never {
  // Synchronous: the process is going down and an async write might never happen.
  writeSync(2, `palisade worker ${process.pid}: ${reason}; exiting\n${culprit ? `${culpritLine(culprit)}\n` : ""}`);
  // isolated-vm asks for the process to end; SIGKILL cannot be delayed by a stuck thread.
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
}

const code = new CodeStore();
const tenants = new Tenants(options.maxIsolates, options.memoryMb, {
  graceMs: options.graceMs,
  stuckMs: options.stuckMs,
  onCatastrophicError: (message, sandbox) => die(`isolated-vm lost control of an isolate (${message})`, sandbox?.owner),
  onStuck: (sandbox) => die("an isolate kept running after the watchdog disposed it", sandbox.owner),
});
const executor = new Executor(tenants, code);

const outbox = new Outbox<FromWorker>((batch) => {
  if (process.connected) process.send!(batch);
});
const send = (message: FromWorker) => outbox.push(message);

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "module":
      return code.put(message.sha, message.code);
    case "forget":
      return executor.forget(message.sha);
    case "unload":
      return executor.unload(message);
    case "load":
      return send(await executor.load(message));
    case "instantiate":
      return send(await executor.instantiate(message));
    case "evaluate":
      return send(await executor.evaluate(message));
  }
}

process.on("message", (batch: ToWorker[]) => {
  for (const message of batch) {
    handle(message).catch((e: unknown) => die(`internal error: ${e instanceof Error ? e.stack : String(e)}`));
  }
});
// The supervisor is gone: nobody can receive verdicts, so there is nothing left to do.
process.on("disconnect", () => process.exit(0));

setInterval(() => send({ type: "heartbeat", rss: process.memoryUsage.rss(), isolates: tenants.size }), options.heartbeatMs);
send({ type: "ready", pid: process.pid });
