// The no-code policy: a CEL expression over the event (https://cel.dev), evaluated in the
// sandbox. CEL cannot loop, so an expression's cost is bounded by its size, which is capped.
import "./lib/text-encoding.ts";
import { Environment } from "@marcbachmann/cel-js";
import type { PolicyEvent, PolicyResponse, RegistryEntry, Verdict } from "palisade/sdk";

const env = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } })
  .registerVariable("event", "map");

export function expression({ expression: source, result, reason }: { expression: string; result: Verdict; reason?: string }) {
  // A parse error throws here, so binding an expression that does not parse fails at once.
  let evaluate: ReturnType<typeof env.parse>;
  try {
    evaluate = env.parse(source);
  } catch (e) {
    throw new Error(`expression does not parse: ${(e as Error).message.split("\n")[0]}`);
  }
  return (event: PolicyEvent): PolicyResponse | null => {
    const matched = evaluate({ event });
    if (typeof matched !== "boolean") throw new Error(`expression must be true or false, got ${typeof matched}`);
    return matched ? { result, reason: reason ?? `Matched: ${source}` } : null;
  };
}

export const EXPRESSION_POLICIES: RegistryEntry[] = [
  {
    handler: "palisade.builtins.expression", kind: "factory", name: "Expression (CEL)", grants: true,
    description: "Answers `result` when a CEL expression over `event` is true, and has no opinion when it is false. Use has() for optional fields: a missing field is an error, and errors answer the binding's on_error. Example: event.type == \"tool_call\" && event.data.name.startsWith(\"deploy\") && event.context.labels.env == \"prod\"",
    params_schema: {
      type: "object", additionalProperties: false, required: ["expression", "result"],
      properties: {
        expression: { type: "string", minLength: 1, maxLength: 4000, description: "A CEL expression over `event` that is true or false." },
        result: { type: "string", enum: ["ALLOW", "ASK", "DENY"], description: "The verdict when the expression is true." },
        reason: { type: "string", maxLength: 500, description: "The reason given with the verdict." },
      },
    },
  },
];
