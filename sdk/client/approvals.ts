// The client's approvals: what the people who answer an ASK use (an agent may only get one).
import type { ApprovalInfo, ApprovalPageInfo, ApprovalQueryInfo, ResolveApprovalInput } from "../approvals.ts";
import { query, seg, type Transport } from "./transport.ts";

export class ApprovalsClient {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Newest first; `next_before` pages. */
  list(tenant: string, filter: ApprovalQueryInfo = {}): Promise<ApprovalPageInfo> {
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/approvals${query(filter)}`);
  }

  /** One approval; with `wait` (seconds, at most 60), held until it is resolved or the wait ends. */
  get(tenant: string, id: string, options: { wait?: number } = {}): Promise<ApprovalInfo> {
    const wait = options.wait ?? 0;
    // The request is meant to take up to `wait` seconds: the client's own timeout comes on top.
    return this.#transport.call("GET", `/v1/tenants/${seg(tenant)}/approvals/${seg(id)}${query({ wait: wait || undefined })}`, undefined, this.#transport.timeoutMs + wait * 1000);
  }

  /**
   * Accepts, declines or cancels a pending approval; a PAL_APPROVAL_RESOLVED error when it is not
   * pending. `via: "client"` records that the answer was given in the agent's own client. An agent
   * key may only cancel an approval its own requests raised.
   */
  resolve(tenant: string, id: string, action: ResolveApprovalInput["action"], note?: string, via?: ResolveApprovalInput["via"]): Promise<ApprovalInfo> {
    return this.#transport.call("POST", `/v1/tenants/${seg(tenant)}/approvals/${seg(id)}`, { action, ...(note ? { note } : {}), ...(via ? { via } : {}) });
  }
}
