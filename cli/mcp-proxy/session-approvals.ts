// The approvals of the proxy's session: waiting for the person who answers one, and keeping it
// while the client is connected. A call that was asked about and is made again with the same
// arguments resumes with the same approval, so an ASK that a person accepted late still
// completes (docs/adapters.md, "When an ASK is the answer"); whatever is still held when the client disconnects is cancelled, since
// nothing will resume it, and the approver sees "the agent stopped waiting".
import { createHash } from "node:crypto";
import type { ApprovalStatus } from "../../sdk/approvals.ts";
import type { PalisadeClient } from "../../sdk/client/index.ts";
import type { Decision } from "../../sdk/types.ts";
import { canonicalJson as canonical } from "../../sdk/json.ts";
import { approvalPrompt, type ApprovalPrompt, type PersonAnswer } from "./elicitations.ts";

/** Asks the person through the client, until `deadline` (epoch ms); null when there is no answer that counts. */
export type AskPerson = (prompt: ApprovalPrompt, deadline: number) => Promise<PersonAnswer>;

/** Resolves an approval with an answer given in the client (recorded as such by the host). */
export type AnswerInClient = (id: string, action: "accept" | "decline") => Promise<ApprovalStatus>;

export interface SessionApprovalsOptions {
  tenant: string;
  /** The agent's client: waits on approvals, and cancels the ones it raised. */
  client: PalisadeClient;
  /** Given only with --approver-key-env: without it, nothing is asked in the client. */
  answerInClient?: AnswerInClient;
  /** How long one ASK waits, in seconds, for everything it does: the prompt and every poll. */
  askWaitS: number;
  log: (line: string) => void;
}

type Approval = NonNullable<Decision["approval"]>;

/** What makes two calls the same call: the tool's name and its arguments, as canonical JSON (key order does not matter). */
export function callKey(name: string, args: unknown): string {
  return createHash("sha256").update(canonical({ name, arguments: args })).digest("hex");
}

export class SessionApprovals {
  readonly #o: SessionApprovalsOptions;
  readonly #byCall = new Map<string, string>();
  // Every approval held, also one that a concurrent identical call raised and #byCall lost.
  readonly #open = new Set<string>();

  constructor(options: SessionApprovalsOptions) {
    this.#o = options;
  }

  /** The approval an earlier identical call raised and nobody used up yet. */
  heldFor(key: string): string | undefined {
    return this.#byCall.get(key);
  }

  hold(key: string, id: string): void {
    this.#byCall.set(key, id);
    this.#open.add(id);
  }

  /** The call's approval was used up or refused: the next identical call asks anew. */
  release(key: string): void {
    const id = this.#byCall.get(key);
    if (id === undefined) return;
    this.#byCall.delete(key);
    this.#open.delete(id);
  }

  /**
   * Waits until the approval is answered or the ASK's time is up, and says how it stands. The
   * person is asked in the client only when an approver key was given and no binding requires
   * Palisade's own surfaces (approve_via: console); an answer the host refuses there (403
   * PAL_APPROVAL_NEEDS_CONSOLE, or anything else) leaves it to a person on Palisade.
   */
  async wait(approval: Approval, question: string, ask: AskPerson): Promise<ApprovalStatus> {
    const deadline = Date.now() + this.#o.askWaitS * 1000;
    let status = approval.status;
    if (status === "pending" && this.#o.answerInClient && approval.approve_via !== "console") {
      const answer = await ask(approvalPrompt(question, approval.id), deadline);
      if (answer) status = await this.#answerInClient(approval.id, answer);
    }
    while (status === "pending" && Date.now() < deadline) {
      const wait = Math.min(60, Math.max(1, Math.ceil((deadline - Date.now()) / 1000)));
      status = (await this.#o.client.approvals.get(this.#o.tenant, approval.id, { wait })).status;
    }
    return status;
  }

  /** The client disconnected: cancels every approval still held (best effort; one already answered stays as it is). */
  async cancelAll(): Promise<void> {
    const ids = [...this.#open];
    this.#open.clear();
    this.#byCall.clear();
    await Promise.all(ids.map(async (id) => {
      try {
        await this.#o.client.approvals.resolve(this.#o.tenant, id, "cancel", "the agent stopped waiting");
      } catch (e) {
        this.#o.log(`palisade mcp-proxy: approval ${id} was not cancelled: ${(e as Error).message}`);
      }
    }));
  }

  async #answerInClient(id: string, answer: "accept" | "decline"): Promise<ApprovalStatus> {
    try {
      return await this.#o.answerInClient!(id, answer);
    } catch (e) {
      this.#o.log(`palisade mcp-proxy: the answer given in the client did not resolve approval ${id}; waiting for a person on Palisade: ${(e as Error).message}`);
      return "pending";
    }
  }
}
