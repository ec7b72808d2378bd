// `palisade serve` as a process of its own, for tests of what only real processes show: kill -9,
// signals, two hosts on one data directory, several hosts on one database.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, onTestFinished } from "vitest";
import { ADMIN_KEY } from "./host.ts";

export const CLI = fileURLToPath(new URL("../../cli/main.ts", import.meta.url));

export interface ServedHost {
  url: string;
  child: ChildProcess;
  /** What it logged on stdout so far (JSON lines). */
  output: () => string;
  /** Calls the host with the admin key unless another is given. */
  call(method: string, path: string, body?: unknown, key?: string): Promise<Response>;
}

// Hosts started outside a test (in a beforeAll) are killed when their file ends. A hook called
// from inside beforeAll is not registered, so this one is, when the file imports this helper.
const unowned = new Set<ChildProcess>();
afterAll(() => {
  for (const child of unowned) child.kill("SIGKILL");
  unowned.clear();
});

/**
 * Starts `palisade serve --port 0 <args>` and waits for its URL. It is killed when the test ends,
 * or, started outside a test (in beforeAll), when its test file ends; on failure and timeout too.
 */
export function serve(args: string[], env: Record<string, string> = {}): Promise<ServedHost> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
    env: { ...process.env, PALISADE_ADMIN_KEY: ADMIN_KEY, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Failing before its own kill, a test would leave the server and its sandbox workers running.
  // SIGKILL: the host's workers see their channel close and exit by themselves.
  const kill = () => void child.kill("SIGKILL");
  try {
    onTestFinished(kill);
  } catch {
    unowned.add(child);
    child.once("exit", () => unowned.delete(child));
  }
  return new Promise((resolve, reject) => {
    // Logs are JSON on stdout; the banner with the URL is on stderr.
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    let err = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const match = /serving (http:\/\/[\d.:]+)/.exec(err);
      if (match) {
        const url = match[1]!;
        const call = (method: string, path: string, body?: unknown, key = ADMIN_KEY) =>
          fetch(url + path, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        resolve({ url, child, output: () => out, call });
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${err}${out}`)));
  });
}

/** Kills a served host with SIGKILL and waits until it is gone. */
export async function killHard(host: ServedHost): Promise<void> {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return;
  const exited = new Promise((resolve) => host.child.once("exit", resolve));
  host.child.kill("SIGKILL");
  await exited;
}
