// Requests that run policies, counted per tenant from before their bodies are read: past
// max_inflight_per_tenant a tenant is told to retry (429), so that one tenant's flood cannot
// queue out the others. One count for every route that decides (evaluate, check, hooks, MCP,
// replay): a cap that one route keeps and another does not is no cap.
import type { FastifyReply, FastifyRequest } from "fastify";
import { PalisadeError } from "../sdk/index.ts";

export class InflightLimit {
  readonly #max: number;
  readonly #running = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** An onRequest hook for a tenant route (it runs after authentication, before the body is read). */
  readonly hook = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const tenant = (request.params as { t: string }).t;
    const running = this.#running.get(tenant) ?? 0;
    if (running >= this.#max) {
      reply.header("connection", "close"); // its body is not read: do not wait for it either
      throw new PalisadeError("PAL_TENANT_BUSY", `tenant "${tenant}" has ${running} requests in flight that run policies (max_inflight_per_tenant)`);
    }
    this.#running.set(tenant, running + 1);
    // "close" comes once per response, sent or cut off, so the count cannot leak.
    reply.raw.once("close", () => {
      const left = this.#running.get(tenant)! - 1;
      if (left === 0) this.#running.delete(tenant);
      else this.#running.set(tenant, left);
    });
  };
}
