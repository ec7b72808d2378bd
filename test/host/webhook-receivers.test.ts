// Hostile webhook receivers: one that never finishes its answer, one that answers without end,
// one that trickles, one that never answers. Each may cost only its own tenant's deliveries: a
// few sockets, each for at most an attempt's deadline, and at most 64 KiB of its answer read.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_SOCKETS, MAX_SOCKETS_PER_TENANT, Webhooks } from "../../host/approvals/webhook.ts";

type Behaviour = "never-finishes" | "endless" | "trickle" | "silent" | "ok";

interface Receiver { url: string; open: () => number; maxOpen: () => number; accepted: () => number; closed: () => number; written: number[]; got: () => number; server: Server }

/** A raw TCP receiver, so that it can misbehave in ways an HTTP server library would not. */
async function receiver(behaviour: Behaviour): Promise<Receiver> {
  const sockets = new Set<Socket>();
  let maxOpen = 0;
  let accepted = 0;
  let closed = 0;
  let got = 0;
  const written: number[] = [];
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    maxOpen = Math.max(maxOpen, sockets.size);
    const index = written.push(0) - 1;
    const timers: NodeJS.Timeout[] = [];
    socket.on("error", () => {});
    socket.on("close", () => {
      closed++;
      sockets.delete(socket);
      for (const t of timers) clearInterval(t);
    });
    let request = "";
    socket.on("data", (chunk) => {
      request += chunk;
      if (!request.includes("\r\n\r\n") || got > accepted) return;
      got++;
      const write = (text: string | Buffer) => {
        written[index]! += text.length;
        return socket.write(text);
      };
      if (behaviour === "ok") socket.end("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
      else if (behaviour === "never-finishes") write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf");
      else if (behaviour === "trickle") {
        write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        timers.push(setInterval(() => write("x"), 50));
      } else if (behaviour === "endless") {
        write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        const block = Buffer.from(`10000\r\n${"y".repeat(0x10000)}\r\n`);
        const pour = () => {
          while (!socket.destroyed && write(block));
        };
        socket.on("drain", pour);
        pour();
      }
      // silent: reads the request and never writes a byte
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    open: () => sockets.size, maxOpen: () => maxOpen, accepted: () => accepted, closed: () => closed, got: () => got, written, server,
  };
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function webhooks(attemptMs: number) {
  const logged: string[] = [];
  const hooks = new Webhooks({ allowPrivate: true, retryDelaysMs: [], attemptMs, log: (m) => logged.push(m) });
  closers.push(() => hooks.close());
  return { hooks, logged };
}

const send = (hooks: Webhooks, tenant: string, url: string, n: number) => {
  for (let i = 0; i < n; i++) hooks.send(tenant, url, "whsec_x", "approval.created", { tenant, n: i });
};

describe("a hostile receiver holds few sockets, each for at most an attempt's deadline", () => {
  it.each(["never-finishes", "trickle", "silent"] as const)(`%s: at most ${MAX_SOCKETS_PER_TENANT} sockets at once, every one closed at the deadline`, async (behaviour) => {
    const hook = await receiver(behaviour);
    const { hooks, logged } = webhooks(1000);
    // The host's own count: the receiver sees a close a moment after the host has let go of it.
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, hooks.stats().socketsOf("a"))), 2);
    closers.push(() => clearInterval(sampler));
    send(hooks, "a", hook.url, 12);
    await expect.poll(() => logged.length, { timeout: 30_000 }).toBe(12);
    expect(logged.every((m) => /gave up on .* after 1 tries: no complete answer within 1000 ms/.test(m))).toBe(true);
    expect(most).toBe(MAX_SOCKETS_PER_TENANT);
    expect(hooks.stats()).toMatchObject({ deliveries: 0, waiting: 0, sockets: 0 });
    expect(hook.accepted()).toBe(12);
    await expect.poll(() => hook.open(), { timeout: 10_000 }).toBe(0);
  });

  it("endless: reads at most 64 KiB of the answer, then drops the connection", async () => {
    const hook = await receiver("endless");
    const { hooks, logged } = webhooks(30_000);
    send(hooks, "a", hook.url, 3);
    // A 2xx whose answer was read as far as the cap counts as delivered: nothing is logged.
    await expect.poll(() => hook.closed(), { timeout: 20_000 }).toBe(3);
    expect(logged).toEqual([]);
    // What the receiver could push before the drop is bounded by the sockets' buffers, not by
    // how long it would keep going (an unbounded read took gigabytes).
    for (const bytes of hook.written) expect(bytes).toBeLessThan(16 << 20);
  });
});

describe("the host's outbound sockets are one budget", () => {
  it("a tenant whose receiver never finishes does not hold up another tenant's deliveries", async () => {
    const stuck = await receiver("never-finishes");
    const good = await receiver("ok");
    const { hooks } = webhooks(60_000);
    send(hooks, "a", stuck.url, 100);
    await expect.poll(() => stuck.open(), { timeout: 10_000 }).toBe(MAX_SOCKETS_PER_TENANT);
    send(hooks, "b", good.url, 5);
    // All five arrive while A's attempts are all still held open (their deadline is a minute away).
    await expect.poll(() => good.got(), { timeout: 20_000 }).toBe(5);
    expect(stuck.open()).toBe(MAX_SOCKETS_PER_TENANT);
    expect(stuck.accepted()).toBe(MAX_SOCKETS_PER_TENANT);
  });

  it(`many tenants together hold at most ${MAX_SOCKETS} sockets`, async () => {
    const stuck = await receiver("silent");
    const { hooks } = webhooks(60_000);
    for (let t = 0; t < 12; t++) send(hooks, `t${t}`, stuck.url, 10);
    expect(hooks.stats()).toMatchObject({ deliveries: 120, sockets: MAX_SOCKETS, waiting: 120 - MAX_SOCKETS });
    await expect.poll(() => stuck.open(), { timeout: 10_000 }).toBe(MAX_SOCKETS);
    // Nothing more is connected while those are held.
    await new Promise((r) => setTimeout(r, 300));
    expect(stuck.maxOpen()).toBe(MAX_SOCKETS);
    hooks.close();
    // Closing ends the attempts under way at once, without waiting for their deadline.
    await expect.poll(() => stuck.open(), { timeout: 10_000 }).toBe(0);
  });
});
