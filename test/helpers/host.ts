// Starts a real host (real HTTP, real sandbox workers, a temporary data dir) for tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";
import { buildServer, loadConfig, type PalisadeServer } from "palisade/host";

export const ADMIN_KEY = "test-admin-key-0123456789abcdef";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestHost {
  url: string;
  dataDir: string;
  server: PalisadeServer;
  call<T = any>(method: string, route: string, key?: string | null, body?: unknown): Promise<Reply<T>>;
  close(): Promise<void>;
}

export function tempDir(prefix = "palisade-test-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A temporary directory removed when the current test ends, passed or failed. */
export function testDir(): string {
  const dir = tempDir();
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startHost(options: { dataDir?: string; configFile?: string; workers?: number; limits?: Record<string, number> } = {}): Promise<TestHost> {
  const dataDir = options.dataDir ?? tempDir();
  const loaded = loadConfig({ data: dataDir, port: 0, ...(options.configFile ? { config: options.configFile } : {}) });
  // Unless a test is about limits (and passes its own, or {} for the product's defaults), a call
  // gets the cap's full second: a 50 ms limit racing a loaded machine would turn an odd
  // decision into a timeout's DENY.
  const config = { ...loaded, limits: { ...(options.limits ?? { timeout_ms: 1000 }), ...loaded.limits }, workers: options.workers ?? 1 };
  const server = await buildServer({ config, adminKey: ADMIN_KEY, logger: false });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const address = server.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    dataDir,
    server,
    async call(method, route, key = ADMIN_KEY, body) {
      const headers: Record<string, string> = {};
      if (key) headers.authorization = `Bearer ${key}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(url + route, { method, headers, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: response.status, body: parsed as any, headers: response.headers };
    },
    async close() {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a tenant with one key of each tenant role. */
export async function tenantWithKeys(host: TestHost, id: string): Promise<Record<"security" | "author" | "agent", string>> {
  const created = await host.call("POST", "/v1/tenants", undefined, { id });
  if (created.status !== 201) throw new Error(`tenant ${id}: ${JSON.stringify(created.body)}`);
  const keys = {} as Record<"security" | "author" | "agent", string>;
  for (const role of ["security", "author", "agent"] as const) {
    const r = await host.call("POST", `/v1/tenants/${id}/keys`, undefined, { role });
    keys[role] = r.body.key;
  }
  return keys;
}
