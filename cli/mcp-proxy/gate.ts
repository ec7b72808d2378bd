// What the MCP proxy asks Palisade, and what it makes of the answer: a tool call before it is
// sent, anything the server answers before the client sees it, and a server's sampling request
// before it reaches the client's model. Every way of not getting a decision (no host, a bad key,
// a timeout, an answer it cannot read) is a deny: nothing passes unchecked.
import type { Decision, PolicyEvent } from "../../sdk/types.ts";
import type { PalisadeClient } from "../../sdk/client/index.ts";
import { callKey, type AskPerson, type SessionApprovals } from "./session-approvals.ts";

export interface GateOptions {
  tenant: string;
  /** context.session_id and context.agent of every event. */
  context: { session_id: string; agent?: string };
  client: PalisadeClient;
  approvals: SessionApprovals;
  askWaitS: number;
  log: (line: string) => void;
}

/** May it pass, and as what: `rewritten` is the policy's version of what was asked about. */
export type Verdict = { allow: true; rewritten?: unknown } | { allow: false; reason: string };

type LlmMessages = Extract<PolicyEvent, { type: "llm_request" }>["data"]["messages"];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The event's target: the MCP method and what it is about (a tool, resource, prompt or model; a list is about itself). */
const targetOf = (method: string, name: string) => (name === method ? method : `${method} ${name}`).slice(0, 512);

// Only ALLOW passes; the decision's `data[field]` is the policy's version of what it was asked about.
function verdictOf(decision: Decision, field: "arguments" | "result" | "messages"): Verdict {
  if (decision.result !== "ALLOW") return { allow: false, reason: decision.reason ?? `Palisade: ${decision.result}` };
  return isRecord(decision.data) && field in decision.data ? { allow: true, rewritten: decision.data[field] } : { allow: true };
}

export class Gate {
  readonly #o: GateOptions;

  constructor(options: GateOptions) {
    this.#o = options;
  }

  /**
   * Before a call: may it go to the server, and with which arguments. An ASK waits for its
   * approval (see SessionApprovals); a call made again with the same arguments resumes with the
   * approval the first one raised.
   */
  async beforeCall(name: string, args: Record<string, unknown>, ask: AskPerson): Promise<Verdict> {
    const event: PolicyEvent = { type: "tool_call", target: targetOf("tools/call", name), data: { name, arguments: args }, context: this.#o.context };
    const key = callKey(name, args);
    let decision = await this.#decide(event, this.#o.approvals.heldFor(key));
    if (decision.result === "ASK") decision = await this.#ask(event, key, decision, `The tool call ${name} needs approval: ${decision.reason ?? ""}`, ask);
    else this.#o.approvals.release(key); // used up, refused, or never needed: the next identical call asks anew
    const verdict = verdictOf(decision, "arguments");
    return verdict.allow && verdict.rewritten !== undefined && !isRecord(verdict.rewritten) ? { allow: false, reason: "a policy rewrote the arguments into something that is not an object" } : verdict;
  }

  /**
   * Something the server answered (a result, or an error as `{error: {code, message, data}}`),
   * as `tool_result {name, result}` with `target` naming the method. There is nobody to ask
   * about what exists already: only ALLOW lets it through.
   */
  async checkResult(method: string, name: string, result: unknown): Promise<Verdict> {
    return verdictOf(await this.#decide({ type: "tool_result", target: targetOf(method, name), data: { name, result }, context: this.#o.context }), "result");
  }

  /** A server's sampling request, as `llm_request {model, messages}`: only ALLOW reaches the client's model. */
  async checkSampling(model: string, messages: LlmMessages): Promise<Verdict> {
    return verdictOf(await this.#decide({ type: "llm_request", target: targetOf("sampling/createMessage", model), data: { model, messages }, context: this.#o.context }), "messages");
  }

  async #decide(event: PolicyEvent, approvalId?: string): Promise<Decision> {
    try {
      return await this.#o.client.evaluate(this.#o.tenant, event, approvalId ? { approvalId } : {});
    } catch (e) {
      // failClosed turns an unreachable host into DENY; what still throws is a wrong key or tenant.
      this.#o.log(`palisade mcp-proxy: no decision, denying: ${(e as Error).message}`);
      return { decision_id: "", result: "DENY", reason: `Palisade could not decide, so it denies: ${(e as Error).message}`, data: null, decided_by: [], policies: [], duration_ms: 0 };
    }
  }

  // The approval is kept for the session (a later identical call resumes it) until it is used
  // up or refused; waiting past --ask-wait leaves it pending, for a person to answer later.
  async #ask(event: PolicyEvent, key: string, asked: Decision, question: string, ask: AskPerson): Promise<Decision> {
    const approval = asked.approval;
    if (!approval) return { ...asked, result: "DENY", reason: `${asked.reason ?? "ASK"} (no approval was raised to answer)` };
    this.#o.approvals.hold(key, approval.id);
    let status;
    try {
      status = await this.#o.approvals.wait(approval, question, ask);
    } catch (e) {
      return { ...asked, result: "DENY", reason: `approval ${approval.id}: ${(e as Error).message}` };
    }
    if (status === "pending") {
      return { ...asked, result: "DENY", reason: `approval ${approval.id} is still pending after ${this.#o.askWaitS} s; ask a person to answer it, then make the same call again (it resumes this approval)` };
    }
    const resumed = await this.#decide(event, approval.id);
    if (resumed.result !== "ASK") this.#o.approvals.release(key);
    // Accepted, and yet another binding asks: that ASK raised an approval of its own, held in turn.
    else if (resumed.approval) this.#o.approvals.hold(key, resumed.approval.id);
    return resumed;
  }
}
