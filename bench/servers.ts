// Starting servers for the HTTP scenarios as processes of their own, the same way for the
// bare fastify baseline and for the Palisade host.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ADMIN_KEY = "bench-admin-key-0123456789abcdef";

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `script` with Node 24 and waits for it to print the URL it serves (on stdout or stderr). */
export function startProcess(script: string, args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const watch = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        child.stdout!.removeListener("data", watch);
        child.stderr!.removeListener("data", watch);
        child.stdout!.resume();
        child.stderr!.pipe(process.stderr); // its warnings, as before
        resolve({
          url: match[1]!,
          child,
          stop: () => new Promise((done) => {
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
        });
      }
    };
    child.stdout!.on("data", watch);
    child.stderr!.on("data", watch);
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

/** A Palisade host on a fresh (or given) data directory, tuned for load: warn-level logs, no in-flight cap. */
export async function startHost(dataDir?: string): Promise<Server & { dataDir: string }> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), "palisade-bench-"));
  const config = path.join(dir, "bench.yaml");
  writeFileSync(config, "log_level: warn\nmax_inflight_per_tenant: 100000\n");
  const server = await startProcess(fileURLToPath(new URL("../cli/main.ts", import.meta.url)), ["serve", "--config", config, "--data", dir, "--port", "0"], { PALISADE_ADMIN_KEY: ADMIN_KEY });
  return { ...server, dataDir: dir };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Creates a tenant on a bench host; returns an agent key for it. */
export async function createTenant(url: string, tenant: string): Promise<string> {
  await call(url, "POST", "/v1/tenants", ADMIN_KEY, { id: tenant });
  return (await call<{ key: string }>(url, "POST", `/v1/tenants/${tenant}/keys`, ADMIN_KEY, { role: "agent" })).key;
}

/** A JSON call to a server, failing loudly on anything but 2xx. */
export async function call<T = any>(url: string, method: string, route: string, key: string, body?: unknown): Promise<T> {
  const response = await fetch(url + route, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}
