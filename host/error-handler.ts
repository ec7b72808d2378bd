// Every error leaves as { error: { code, message, details? } } with an honest status.
// Unexpected errors are logged with the request id and answered as PAL_INTERNAL without
// their message, which might carry internals.
import type { FastifyError, FastifyInstance } from "fastify";
import { ERRORS, isPalisadeError, PalisadeError } from "../sdk/index.ts";
import { describeIssues, toIssues, type ValidationError } from "../sdk/issues.ts";

function body(error: PalisadeError) {
  return { error: error.toJSON() };
}

// fastify's own client errors, by code.
const FASTIFY: Record<string, (e: FastifyError) => PalisadeError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new PalisadeError("PAL_BODY_TOO_LARGE", "the request body is over this route's size limit"),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new PalisadeError("PAL_REQUEST_INVALID", "send the body as application/json"),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new PalisadeError("PAL_REQUEST_INVALID", "the JSON body is empty"),
  FST_ERR_CTP_INVALID_JSON_BODY: (e) => new PalisadeError("PAL_REQUEST_INVALID", `the body is not valid JSON: ${e.message}`),
};

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let known: PalisadeError | undefined;
    if (isPalisadeError(error)) known = error instanceof PalisadeError ? error : PalisadeError.from(error);
    else if (error.validation) {
      const context = error.validationContext ? `/${error.validationContext}` : "";
      const issues = toIssues(error.validation as ValidationError[]).map((i) => ({ ...i, instancePath: `${context}${i.instancePath}` }));
      known = new PalisadeError("PAL_REQUEST_INVALID", `invalid request: ${describeIssues(issues)}`, { issues });
    } else if (error.code && FASTIFY[error.code]) known = FASTIFY[error.code]!(error);
    else if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
      known = new PalisadeError("PAL_REQUEST_INVALID", error.message);
    }
    if (known) {
      if (known.statusCode >= 500) request.log.error({ err: error }, "request failed");
      if (known.code === "PAL_TENANT_BUSY") void reply.header("retry-after", "1");
      return reply.status(known.statusCode).send(body(known));
    }
    request.log.error({ err: error }, "unexpected error");
    return reply.status(ERRORS.PAL_INTERNAL.status).send(body(new PalisadeError("PAL_INTERNAL", `internal error; quote request id ${request.id}`)));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(body(new PalisadeError("PAL_ROUTE_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`)));
  });
}
