// One tenant's bodies cannot hold the event loop or its tenant's slots: each tenant's bodies are
// read within max_body_bytes_per_s, each key may be sending at most max_bodies_per_key bodies at
// once (so that trickled bodies cannot hold its tenant's in-flight slots), and a request that
// does not arrive whole within request_timeout_s is dropped.
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, tempDir, tenantWithKeys, type TestHost } from "../helpers/host.ts";

let host: TestHost;
beforeAll(async () => {
  const file = path.join(tempDir(), "palisade.yaml");
  writeFileSync(file, "max_body_bytes_per_s: 262144\nmax_inflight_per_tenant: 8\nmax_bodies_per_key: 2\nrequest_timeout_s: 10\n");
  host = await startHost({ configFile: file });
});
afterAll(() => host.close());

const event = (pad = "") => JSON.stringify({ event: { type: "tool_call", data: { name: "x", arguments: { pad } } } });

/** A request whose body is sent in part and then held: it never arrives whole. */
function held(t: string, key: string): Promise<{ socket: Socket; answer: () => string; closed: () => boolean }> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(host.url).port), "127.0.0.1", () => {
      socket.write(`POST /v1/tenants/${t}/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"event":`);
      resolve({ socket, answer: () => answer, closed: () => closed });
    });
    let answer = "";
    let closed = false;
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("close", () => (closed = true));
    socket.on("error", () => {});
  });
}

describe("a tenant's bodies", () => {
  it("are read within its byte budget, and only its own requests wait for it", async () => {
    const noisy = await tenantWithKeys(host, "noisy");
    const quiet = await tenantWithKeys(host, "quiet");
    const started = performance.now();
    let noisyDone = 0;
    // 900 KB at 256 KiB a second (one second of it up front): at least 2.4 s to read, however
    // fast it is sent (and under the test host's max_event_bytes of 1 MiB).
    const big = host.call("POST", "/v1/tenants/noisy/evaluate", noisy.agent, event("y".repeat(900_000))).then((r) => ((noisyDone = performance.now()), r));
    await new Promise((r) => setTimeout(r, 200));
    const small = await host.call("POST", "/v1/tenants/quiet/evaluate", quiet.agent, event());
    const quietDone = performance.now();
    expect(small.body.result).toBe("ALLOW");
    expect((await big).body.result).toBe("ALLOW");
    expect(noisyDone - started).toBeGreaterThanOrEqual(2300);
    expect(quietDone).toBeLessThan(noisyDone);
  }, 60_000);
});

describe("in-flight slots per key, and requests that never arrive whole", () => {
  it("a key holding its share of slow requests gets 429; another key of the tenant goes on; the held ones end at the request timeout", async () => {
    const k = await tenantWithKeys(host, "slots");
    const other = (await host.call("POST", "/v1/tenants/slots/keys", k.security, { role: "agent" })).body.key as string;
    // Two requests held open; none is sent alongside, so each takes a slot (a request that beats
    // a held one to the server could take its slot while it runs, and the held one be refused).
    const slow = [await held("slots", k.agent)];
    await new Promise((r) => setTimeout(r, 300));
    slow.push(await held("slots", k.agent));
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(slow.map((x) => x.answer())).toEqual(["", ""]);
      await expect.poll(async () => (await host.call("POST", "/v1/tenants/slots/evaluate", k.agent, event())).status, { timeout: 10_000 }).toBe(429);
      const refused = await host.call("POST", "/v1/tenants/slots/evaluate", k.agent, event());
      expect(refused.body.error).toMatchObject({ code: "PAL_TENANT_BUSY", message: expect.stringContaining("max_bodies_per_key") });
      expect((await host.call("POST", "/v1/tenants/slots/evaluate", other, event())).body.result).toBe("ALLOW");
      // Neither ever sends the rest: at the request timeout the host drops them (Node answers 408
      // only to a request not yet handed to the application; these were), and frees their slots.
      for (const s of slow) await expect.poll(() => s.closed(), { timeout: 30_000 }).toBe(true);
      expect((await host.call("POST", "/v1/tenants/slots/evaluate", k.agent, event())).body.result).toBe("ALLOW");
    } finally {
      for (const s of slow) s.socket.destroy();
    }
  }, 60_000);
});
