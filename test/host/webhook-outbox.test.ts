// Webhook deliveries waiting for a retry survive kill -9 of their host: they are kept in the
// store's outbox until done, and the host started again makes them (at least once, with the
// same delivery id).
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { testDir } from "../helpers/host.ts";
import { killHard, serve } from "../helpers/serve.ts";

/** A receiver that answers 503 until `up`, recording each delivery id with its answer. */
async function receiver(): Promise<{ url: string; up: () => void; got: { id: string; status: number }[]; server: Server }> {
  let up = false;
  const got: { id: string; status: number }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const status = up ? 200 : 503;
      got.push({ id: String(req.headers["x-palisade-delivery"]), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, up: () => void (up = true), got, server };
}

describe("the webhook outbox", () => {
  it("keeps deliveries waiting for a retry across kill -9, and the restarted host makes them", async () => {
    const hook = await receiver();
    const dataDir = testDir();
    const config = path.join(dataDir, "palisade.yaml");
    writeFileSync(config, "approval_webhook_private_networks: true\nbindings:\n  - { id: ask, handler: palisade.builtins.ask_tools, params: { tools: [deploy] } }\n");
    let host = await serve(["--data", dataDir, "--config", config]);
    expect((await host.call("POST", "/v1/tenants", { id: "kept" })).status).toBe(201);
    const key = async (role: string) => ((await (await host.call("POST", "/v1/tenants/kept/keys", { role })).json()) as { key: string }).key;
    const [security, agent] = [await key("security"), await key("agent")];
    expect((await host.call("PATCH", "/v1/tenants/kept", { settings: { approval_webhook: hook.url } }, security)).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const asked = (await (await host.call("POST", "/v1/tenants/kept/evaluate", { event: { type: "tool_call", data: { name: "deploy", arguments: { n: i } } } }, agent)).json()) as { result: string };
      expect(asked.result).toBe("ASK");
    }
    // All three were tried and refused: they wait for a retry now.
    await expect.poll(() => new Set(hook.got.map((g) => g.id)).size, { timeout: 20_000 }).toBe(3);
    const ids = [...new Set(hook.got.map((g) => g.id))];
    await killHard(host);

    hook.up();
    const restarted = performance.now();
    host = await serve(["--data", dataDir, "--config", config]);
    await expect.poll(() => ids.filter((id) => hook.got.some((g) => g.id === id && g.status === 200)).length, { timeout: 30_000 }).toBe(3);
    console.log(`outbox: delivered ${(performance.now() - restarted).toFixed(0)} ms after the restart began`);
    await killHard(host);
  }, 120_000);
});
