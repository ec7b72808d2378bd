// What the MCP proxy asks Palisade about each tool call, and what it makes of the answer. Every
// way of not getting a decision (no host, a bad key, a timeout, an answer it cannot read) is a
// deny: the proxy never lets a call through unchecked.
import type { ApprovalStatus } from "../../sdk/approvals.ts";
import type { Decision, PolicyEvent } from "../../sdk/types.ts";
import type { PalisadeClient } from "../../sdk/client/index.ts";

export interface GateOptions {
  tenant: string;
  /** context.session_id and context.agent of every event. */
  context: { session_id: string; agent?: string };
  client: PalisadeClient;
  /** An approver's client, to resolve an approval with the local user's answer. */
  approver?: PalisadeClient;
  /** How long an ASK waits for an approval, in seconds. */
  askWaitS: number;
  log: (line: string) => void;
}

/** Asks the local user (MCP elicitation); true for yes, false for no, null when they could not be asked. */
export type Elicit = (message: string) => Promise<boolean | null>;

export type Verdict = { allow: true; rewritten?: unknown } | { allow: false; reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export class Gate {
  readonly #o: GateOptions;

  constructor(options: GateOptions) {
    this.#o = options;
  }

  /** Before a call: may it go to the server, and with which arguments. */
  async beforeCall(name: string, args: Record<string, unknown>, elicit: Elicit): Promise<Verdict> {
    const event: PolicyEvent = { type: "tool_call", data: { name, arguments: args }, context: this.#o.context };
    let decision = await this.#decide(event);
    if (decision.result === "ASK") decision = await this.#ask(event, decision, `The tool call ${name} needs approval: ${decision.reason ?? ""}`, elicit);
    if (decision.result !== "ALLOW") return { allow: false, reason: decision.reason ?? `Palisade: ${decision.result}` };
    const data = decision.data;
    return isRecord(data) && isRecord(data.arguments) ? { allow: true, rewritten: data.arguments } : { allow: true };
  }

  /** After a call: may the client see the result, or what it becomes (redaction). */
  async afterCall(name: string, result: unknown): Promise<Verdict> {
    const decision = await this.#decide({ type: "tool_result", data: { name, result }, context: this.#o.context });
    // There is nobody to ask about a result that exists already: only ALLOW lets it through.
    if (decision.result !== "ALLOW") return { allow: false, reason: decision.reason ?? `Palisade: ${decision.result}` };
    const data = decision.data;
    return isRecord(data) && "result" in data ? { allow: true, rewritten: data.result } : { allow: true };
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

  // An ASK: the local user answers it when they can be asked (and an approver key is given);
  // otherwise a person answers the approval in Palisade within askWaitS. Then the call resumes.
  async #ask(event: PolicyEvent, asked: Decision, message: string, elicit: Elicit): Promise<Decision> {
    const id = asked.approval?.id;
    if (!id) return { ...asked, result: "DENY", reason: `${asked.reason ?? "ASK"} (no approval was raised to answer)` };
    let status: ApprovalStatus = asked.approval!.status;
    try {
      if (this.#o.approver) {
        const yes = await elicit(`${message}\nAllow it? (Palisade approval ${id})`);
        if (yes !== null) status = (await this.#o.approver.approvals.resolve(this.#o.tenant, id, yes ? "accept" : "decline", "answered by the local user")).status;
      }
      const deadline = Date.now() + this.#o.askWaitS * 1000;
      while (status === "pending" && Date.now() < deadline) {
        status = (await this.#o.client.approvals.get(this.#o.tenant, id, { wait: Math.min(60, Math.max(1, Math.ceil((deadline - Date.now()) / 1000))) })).status;
      }
    } catch (e) {
      return { ...asked, result: "DENY", reason: `approval ${id}: ${(e as Error).message}` };
    }
    if (status === "pending") return { ...asked, result: "DENY", reason: `approval ${id} is still pending after ${this.#o.askWaitS} s; ask a person to answer it, then call again` };
    return this.#decide(event, id);
  }
}
