// Each tenant's request bodies are read at most this many bytes a second (max_body_bytes_per_s).
// A body is read and parsed on the host's one event loop, so one tenant sending many large bodies
// as fast as it can would slow every other tenant's requests. Past its budget a tenant's body
// streams wait (its sockets are paused by backpressure) until the budget refills: it slows only
// itself. A token bucket per tenant, one second deep. And bodies trickled in a byte at a time
// must not hold their tenant's in-flight slots: one key may be sending only so many at once
// (max_bodies_per_key), and a body that has not arrived whole by its deadline
// (request_timeout_s) is dropped with its connection. (Node's own requestTimeout does not cover
// a request once it is handed to the application.)
import { Transform, type TransformCallback } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { PalisadeError } from "../sdk/index.ts";

export interface BodyBudgetOptions {
  bytesPerSecond: number;
  deadlineMs: number;
  bodiesPerKey: number;
}

export class BodyBudget {
  readonly #rate: number;
  readonly #options: BodyBudgetOptions;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Bodies being received, by key. */
  readonly #receiving = new Map<string, number>();

  constructor(options: BodyBudgetOptions) {
    this.#rate = options.bytesPerSecond;
    this.#options = options;
  }

  /** Counts `bytes` more of `tenant`'s, now; how many ms to wait before reading on. */
  take(tenant: string, bytes: number): number {
    const now = performance.now();
    const bucket = this.#buckets.get(tenant) ?? { tokens: this.#rate, at: now };
    bucket.tokens = Math.min(this.#rate, bucket.tokens + ((now - bucket.at) * this.#rate) / 1000) - bytes;
    bucket.at = now;
    this.#buckets.set(tenant, bucket);
    return bucket.tokens >= 0 ? 0 : (-bucket.tokens * 1000) / this.#rate;
  }

  /** A preParsing hook for every route: a body must arrive by its deadline; a tenant route's is read within its tenant's budget. */
  readonly hook = async (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> => {
    // fastify runs this for requests without a body too (a long poll): consuming such a stream
    // would end the request, and its waits with it.
    const length = request.headers["content-length"];
    if ((length === undefined || length === "0") && request.headers["transfer-encoding"] === undefined) return payload;
    const tenant = (request.params as { t?: unknown } | undefined)?.t;
    const key = request.principal?.keyId;
    if (key !== undefined) {
      const receiving = this.#receiving.get(key) ?? 0;
      if (receiving >= this.#options.bodiesPerKey) {
        reply.header("connection", "close"); // its body is not read: do not wait for it either
        throw new PalisadeError("PAL_TENANT_BUSY", `this key is sending ${receiving} request bodies at once (max_bodies_per_key); finish those first`);
      }
      this.#receiving.set(key, receiving + 1);
    }
    let counted = key !== undefined;
    const done = () => {
      clearTimeout(deadline);
      if (!counted) return;
      counted = false;
      const left = this.#receiving.get(key!)! - 1;
      if (left) this.#receiving.set(key!, left);
      else this.#receiving.delete(key!);
    };
    const deadline = setTimeout(() => request.raw.destroy(), this.#options.deadlineMs);
    const metered = new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) => {
        const wait = typeof tenant === "string" ? this.take(tenant, chunk.length) : 0;
        if (wait > 0) setTimeout(() => done(null, chunk), wait);
        else done(null, chunk);
      },
    });
    metered.once("end", done);
    request.raw.once("close", done);
    return payload.pipe(metered);
  };
}
