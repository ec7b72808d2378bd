// Request bodies as hostile input. A body is read and parsed on the host's one event loop, so
// its size is held to the tenant's own allowance while it streams, whether or not it declared
// a Content-Length (a chunked body declares none), and its nesting is bounded before it is
// parsed. A tenant can then make the host read and parse only what its limits allow.
import { Transform, type TransformCallback } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PalisadeError, type ErrorCode } from "../sdk/index.ts";
import { nestsDeeperThan, parseUntrusted } from "../sdk/json.ts";

/** How deeply a request body may nest objects and arrays. */
export const MAX_BODY_NESTING = 128;

/** The most bytes a request's body may have, and the limit to name when it has more. */
export interface Allowance {
  max: number;
  /** E.g. "events are limited to max_event_bytes (1000)". */
  because: string;
}

/**
 * A preParsing hook that refuses a body over the request's allowance with `code` (413): at
 * once when its Content-Length says so, else as soon as that many bytes have streamed in.
 */
export function limitBody(allowance: (request: FastifyRequest) => Promise<Allowance>, code: ErrorCode) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> => {
    const { max, because } = await allowance(request);
    const tooLarge = (bytes: string) => new PalisadeError(code, `the body is ${bytes} bytes; ${because}`);
    const declared = Number(request.headers["content-length"]);
    if (declared > max) {
      reply.header("connection", "close"); // its body is not read: do not wait for it either
      throw tooLarge(String(declared));
    }
    let seen = 0;
    return payload.pipe(new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
        seen += chunk.length;
        if (seen <= max) return done(null, chunk);
        reply.header("connection", "close");
        done(tooLarge(`over ${max}`));
      },
    }));
  };
}

/** Events are checked against the tenant's max_event_bytes; this only stops absurd bodies early. */
export const MAX_EVENT_BODY_BYTES = 16 << 20;

/** The largest body that can hold an event of `maxEventBytes`, with room for whitespace and its envelope. */
const eventAllowance = (maxEventBytes: number) => Math.max(2 * maxEventBytes, maxEventBytes + (1 << 20));

/**
 * A preParsing hook for the routes whose body carries one event (evaluate, the hooks): the
 * body is held to what the tenant's max_event_bytes could need, as it streams.
 */
export function limitEventBody(limitsOf: (tenant: string) => Promise<{ max_event_bytes: number }>) {
  return limitBody(async (request) => {
    const { max_event_bytes: max } = await limitsOf((request.params as { t: string }).t);
    return { max: eventAllowance(max), because: `events are limited to max_event_bytes (${max})` };
  }, "PAL_EVENT_TOO_LARGE");
}

/** Replaces fastify's JSON parser with one that bounds nesting before it parses. */
export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(new PalisadeError("PAL_REQUEST_INVALID", "the JSON body is empty"), undefined);
    if (nestsDeeperThan(text, MAX_BODY_NESTING)) {
      return done(new PalisadeError("PAL_REQUEST_INVALID", `the body nests objects and arrays deeper than ${MAX_BODY_NESTING} levels`), undefined);
    }
    try {
      done(null, parseUntrusted(text));
    } catch (e) {
      done(new PalisadeError("PAL_REQUEST_INVALID", `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
}
