// Approvals: an ASK that waits for a person. This raises them, answers them, hands an accepted
// one to the agent's resume exactly once, expires them on time (also after a restart: the
// store holds the deadline), and tells listeners (long polls, event streams, the webhook).
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Binding, Decision, PolicyEvent } from "../../sdk/index.ts";
import { isPalisadeError, PalisadeError } from "../../sdk/index.ts";
import type { ApprovalInfo, ApprovalStatus, ResolvedVia } from "../../sdk/approvals.ts";
import type { TenantSettings } from "../../sdk/api.ts";
import type { ApprovalFilter, ApprovalRecord, Resolution, Store } from "../store/store.ts";
import { fingerprint } from "./fingerprint.ts";
import { proposalBinding } from "./proposable.ts";
import type { Webhooks } from "./webhook.ts";

export type ApprovalEventType = "approval.created" | "approval.resolved";
export type ApprovalListener = (type: ApprovalEventType, approval: ApprovalInfo) => void;

/** Why no approval was raised; the caller denies the ASK or refuses the proposal with it. */
export type Refused = { refused: string };

/** What a resume with an approval id amounts to. */
export type Claim =
  | { kind: "accepted"; approval: ApprovalRecord }
  | { kind: "pending"; approval: ApprovalRecord }
  | { kind: "refused"; approval: ApprovalRecord; reason: string };

export interface ApprovalOptions {
  /** Pending approvals per tenant, and per key whose requests raised them. */
  maxPending: number;
  maxPendingPerKey: number;
  /** Proposals per key per minute, on this host. */
  maxProposalsPerMinute: number;
  /** Checks (`dryRun`) or creates the session binding of a proposal; throws when it cannot be bound. */
  bindForSession: (tenant: string, sessionId: string, binding: Binding, dryRun: boolean) => Promise<void>;
  /** How often expiries are looked for (they are also enforced whenever one is read). */
  sweepMs?: number;
  log: (message: string) => void;
}

const ACTIONS = { accept: "accepted", decline: "declined", cancel: "cancelled" } as const;

/** An answer to an approval: who gave it (a key id) and where (see Approval.resolved_via). */
export interface Answer {
  action: keyof typeof ACTIONS;
  by: string;
  via: Exclude<ResolvedVia, "timeout">;
  note?: string;
}
// Resolved approvals are kept this long, then pruned.
const KEEP_RESOLVED_MS = 7 * 86_400_000;
// Long polls one tenant, and one key, may hold open at once; past either, a poll is told to come
// back later (429), so that one agent cannot hold every slot and the others do not spin.
const MAX_WAITS_PER_TENANT = 256;
const MAX_WAITS_PER_KEY = 16;

/** The approval as the API shows it: without the tenant, the fingerprint or the held updates. */
export function publicView(a: ApprovalRecord): ApprovalInfo {
  const { tenant: _t, fingerprint: _f, held: _h, ...info } = a;
  return info;
}

// What listeners (event streams, webhooks) are sent of an approval's event: up to this many
// bytes of JSON; a larger event is named, not copied, and is read with GET /approvals/:id.
// An event can be megabytes, and a listener that reads slowly must not make the host hold
// a copy per approval per listener.
const MAX_NOTIFIED_EVENT_BYTES = 16 * 1024;

/** The public view, with a large event replaced by a note of its size. */
export function notifiedView(a: ApprovalRecord): ApprovalInfo {
  const info = publicView(a);
  const bytes = Buffer.byteLength(JSON.stringify(info.event ?? null));
  if (bytes <= MAX_NOTIFIED_EVENT_BYTES) return info;
  const type = (info.event as { type?: unknown } | null)?.type;
  return { ...info, event: { truncated: true, bytes, ...(typeof type === "string" ? { type } : {}) } };
}

export class Approvals {
  readonly #store: Store;
  readonly #webhooks: Webhooks;
  readonly #options: ApprovalOptions;
  readonly #bus = new EventEmitter().setMaxListeners(0);
  readonly #waits = new Map<string, number>();
  // When each key made its recent proposals (the last minute's), for max_proposals_per_minute.
  readonly #proposals = new Map<string, number[]>();
  readonly #sweep: NodeJS.Timeout;
  #lastPrune = 0;

  constructor(store: Store, webhooks: Webhooks, options: ApprovalOptions) {
    this.#store = store;
    this.#webhooks = webhooks;
    this.#options = options;
    this.#sweep = setInterval(() => void this.sweep(), options.sweepMs ?? 1000).unref();
  }

  /**
   * Records an ASK decision's approval, or answers why not: the tenant, or the key that asked,
   * has too many pending (the caller then denies: an ASK nobody can answer must not pile up).
   */
  async raise(tenant: string, input: { decision: Decision; event: PolicyEvent; masked: unknown; bindings: readonly Binding[]; settings: TenantSettings; raisedBy?: string }): Promise<ApprovalRecord | Refused> {
    const full = await this.#full(tenant, input.raisedBy);
    if (full) return { refused: full };
    const { decision, event, settings } = input;
    const asking = new Set(decision.decided_by);
    const askers = input.bindings.filter((b) => asking.has(b.id));
    const timeouts = askers.map((b) => b.ask_timeout_s ?? settings.approval_timeout_s);
    const created = new Date();
    const approval: ApprovalRecord = {
      id: newId(),
      tenant,
      status: "pending",
      session_id: event.context?.session_id ?? null,
      agent: event.context?.agent ?? null,
      decision_id: decision.decision_id,
      fingerprint: fingerprint(event),
      event: input.masked,
      reasons: decision.policies.filter((p) => asking.has(p.binding)).map((p) => `${p.binding}: ${p.reason ?? "ask"}`),
      bindings: [...asking],
      held: decision.held_state_updates ?? [],
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + 1000 * Math.min(...timeouts, settings.approval_timeout_s)).toISOString(),
      // The strictest of the bindings that asked: one that wants a person on the console gets one.
      approve_via: askers.some((b) => b.approve_via === "console") ? "console" : "any",
      ...(input.raisedBy ? { raised_by: input.raisedBy } : {}),
    };
    await this.#store.approvals.create(approval);
    this.#emit(tenant, "approval.created", approval);
    return approval;
  }

  /**
   * An agent's proposal of a binding for its session, as an approval: accepting it creates the
   * binding. The caller has checked the binding as the binding routes do.
   */
  async propose(tenant: string, sessionId: string, agent: string | null, proposed: Binding, settings: TenantSettings, raisedBy?: string): Promise<ApprovalRecord | Refused> {
    const binding = proposalBinding(proposed);
    const full = (raisedBy ? this.#proposalRate(raisedBy) : null) ?? (await this.#full(tenant, raisedBy));
    if (full) return { refused: full };
    const created = new Date();
    const approval: ApprovalRecord = {
      id: newId(),
      tenant,
      status: "pending",
      session_id: sessionId,
      agent,
      decision_id: null,
      // Not a sha256: no event's fingerprint can match, so a proposal can never be resumed.
      fingerprint: "proposal",
      event: null,
      // Everything the binding would do, in full and in a fixed order, so that the person
      // answering sees all of it: nothing can hide past a cut or behind its own key order.
      reasons: [`proposes session binding ${JSON.stringify(binding)}`],
      bindings: [],
      held: [],
      created_at: created.toISOString(),
      expires_at: new Date(created.getTime() + 1000 * settings.approval_timeout_s).toISOString(),
      proposal: { session_id: sessionId, binding },
      // A binding added at an agent's request is a person's decision, taken where Palisade shows all of it.
      approve_via: "console",
      ...(raisedBy ? { raised_by: raisedBy } : {}),
    };
    await this.#store.approvals.create(approval);
    this.#emit(tenant, "approval.created", approval);
    return approval;
  }

  /** One approval, expired first if its time is up. Throws 404 when the tenant has none by that id. */
  async get(tenant: string, id: string): Promise<ApprovalRecord> {
    const approval = await this.#store.approvals.get(tenant, id);
    if (!approval) throw new PalisadeError("PAL_APPROVAL_NOT_FOUND", `approval "${id}" not found`);
    if (approval.status === "pending" && Date.parse(approval.expires_at) <= Date.now()) {
      return (await this.#resolve(tenant, id, { status: "expired", by: "timeout", via: "timeout" }))!.approval;
    }
    return approval;
  }

  async list(tenant: string, filter: ApprovalFilter): Promise<ApprovalRecord[]> {
    await this.sweep(); // so that a listing never shows as pending what has expired
    return this.#store.approvals.list(tenant, filter);
  }

  /**
   * A person's answer, or an agent's cancel of an approval its own key raised (it stopped
   * waiting: nothing will resume it). 404 when there is no such approval, 409 when it is not
   * pending, 403 for an agent's other answers or an answer in the client that a binding refuses.
   */
  async answer(tenant: string, id: string, answer: Answer): Promise<ApprovalRecord> {
    const { action, by, via } = answer;
    const current = await this.get(tenant, id);
    if (via === "agent" && (action !== "cancel" || current.raised_by !== by)) {
      // Not "not found": the agent may read it (GET), it just may not answer it.
      throw new PalisadeError("PAL_FORBIDDEN", action === "cancel" ? `approval "${id}" was raised by another key; an agent key may cancel only the approvals its own requests raised` : `an agent key may only cancel an approval (it stopped waiting), never ${action} it`);
    }
    if (via === "client" && action === "accept" && current.approve_via === "console") {
      throw new PalisadeError("PAL_APPROVAL_NEEDS_CONSOLE", `approval "${id}" needs a person on Palisade's own surfaces (a binding that asked has approve_via: console); answers given in the agent's client are refused: accept it in the console or the API`);
    }
    const note = answer.note ?? (via === "agent" ? "the agent stopped waiting" : undefined);
    const proposal = action === "accept" ? current.proposal : undefined;
    // A proposal is checked first, so that one that can no longer be bound (its handler is gone,
    // its id was taken) stays pending and the person hears why; it is bound only once the
    // accept has won, so a decline that wins leaves no binding behind.
    if (current.status === "pending" && proposal) await this.#options.bindForSession(tenant, proposal.session_id, proposal.binding, true);
    const done = current.status === "pending" ? await this.#resolve(tenant, id, { status: ACTIONS[action], by, via, ...(note ? { note } : {}) }) : undefined;
    if (!done?.changed) {
      const now = done?.approval ?? current;
      throw new PalisadeError("PAL_APPROVAL_RESOLVED", `approval "${id}" is ${now.status}, not pending`, { status: now.status });
    }
    if (proposal) {
      try {
        await this.#options.bindForSession(tenant, proposal.session_id, proposal.binding, false);
      } catch (e) {
        // Between the check and now the binding stopped fitting: accepted, but nothing was bound.
        throw new PalisadeError(isPalisadeError(e) ? e.code : "PAL_INTERNAL", `approval "${id}" is accepted, but its binding could not be created: ${(e as Error).message}; propose it again`);
      }
    }
    return done.approval;
  }

  /**
   * What a resume with `id` may do. The event must be the one that was asked about (same type,
   * target and data, same session and agent): else 409. An accepted approval is used up only by
   * the decision that is committed with it (DecisionToLog.uses_approval), so that a decision that
   * never commits (a crash) does not burn a person's accept; of concurrent resumes, one commits.
   */
  async claim(tenant: string, id: string, event: PolicyEvent): Promise<Claim> {
    const approval = await this.get(tenant, id);
    const sameSession = approval.session_id === (event.context?.session_id ?? null) && approval.agent === (event.context?.agent ?? null);
    if (!sameSession || approval.fingerprint !== fingerprint(event)) {
      throw new PalisadeError("PAL_APPROVAL_MISMATCH", `approval "${id}" was given for another event${sameSession ? "" : " (another session or agent)"}: resend the event exactly as it was asked about`);
    }
    if (approval.status === "pending") return { kind: "pending", approval };
    if (approval.status !== "accepted") return { kind: "refused", approval, reason: refusal(approval) };
    if (approval.used_at !== undefined) return { kind: "refused", approval, reason: `approval ${id} was already used` };
    return { kind: "accepted", approval };
  }

  /** The approval once it is resolved, or as it stands after `seconds` (or its expiry, if sooner). */
  async wait(tenant: string, id: string, seconds: number, cancelled: AbortSignal, keyId?: string): Promise<ApprovalRecord> {
    const approval = await this.get(tenant, id);
    if (approval.status !== "pending" || seconds <= 0) return approval;
    const slots = [tenant, ...(keyId ? [`${tenant}\0${keyId}`] : [])];
    const busy = (this.#waits.get(tenant) ?? 0) >= MAX_WAITS_PER_TENANT ? `tenant "${tenant}" has ${MAX_WAITS_PER_TENANT} long polls open`
      : keyId && (this.#waits.get(slots[1]!) ?? 0) >= MAX_WAITS_PER_KEY ? `this key has ${MAX_WAITS_PER_KEY} long polls open` : null;
    if (busy) throw new PalisadeError("PAL_TENANT_BUSY", `${busy}; poll again in a second (or with less wait)`);
    const ms = Math.min(seconds * 1000, Math.max(0, Date.parse(approval.expires_at) - Date.now()) + 50);
    for (const slot of slots) this.#waits.set(slot, (this.#waits.get(slot) ?? 0) + 1);
    try {
      await new Promise<void>((resolve) => {
        const channel = `resolved:${tenant}:${id}`;
        const done = () => {
          clearTimeout(timer);
          this.#bus.off(channel, done);
          cancelled.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.#bus.on(channel, done);
        cancelled.addEventListener("abort", done);
      });
    } finally {
      for (const slot of slots) {
        const left = this.#waits.get(slot)! - 1;
        if (left) this.#waits.set(slot, left);
        else this.#waits.delete(slot);
      }
    }
    return this.get(tenant, id);
  }

  /** Calls `listener` with the tenant's approvals as they are created and resolved; returns the unsubscribe. */
  subscribe(tenant: string, listener: ApprovalListener): () => void {
    const channel = `tenant:${tenant}`;
    this.#bus.on(channel, listener);
    return () => this.#bus.off(channel, listener);
  }

  /** Expires what is due (and, now and then, prunes old resolved approvals). */
  async sweep(): Promise<void> {
    try {
      for (const approval of await this.#store.approvals.expireDue(new Date())) this.#emit(approval.tenant, "approval.resolved", approval);
      if (Date.now() - this.#lastPrune > 3_600_000) {
        this.#lastPrune = Date.now();
        await this.#store.approvals.prune(new Date(Date.now() - KEEP_RESOLVED_MS));
      }
    } catch (e) {
      this.#options.log(`approvals: sweep failed: ${(e as Error).message}`);
    }
  }

  /**
   * Another host created or resolved an approval: this host's long polls and event streams hear
   * of it as if it happened here. The other host sent the webhook.
   */
  async relay(tenant: string, id: string, type: ApprovalEventType): Promise<void> {
    const approval = await this.#store.approvals.get(tenant, id);
    if (approval) this.#emit(tenant, type, approval, false);
  }

  /**
   * This host may have missed resolutions (its change feed was down): every long poll here is
   * woken if its approval was resolved meanwhile.
   */
  async recheck(): Promise<void> {
    const waited = this.#bus.eventNames().filter((n): n is string => typeof n === "string" && n.startsWith("resolved:"));
    for (const channel of waited) {
      const [, tenant, id] = channel.split(":") as [string, string, string];
      const approval = await this.#store.approvals.get(tenant, id);
      if (approval && approval.status !== "pending") this.#emit(tenant, "approval.resolved", approval, false);
    }
  }

  close(): void {
    clearInterval(this.#sweep);
    this.#webhooks.close();
  }

  // Why the tenant or the key can raise no more approvals now, or null. Per key, so that one
  // agent that fills the tenant's pending approvals cannot turn every other agent's ASK into a DENY.
  async #full(tenant: string, raisedBy: string | undefined): Promise<string | null> {
    const { maxPending, maxPendingPerKey } = this.#options;
    if (raisedBy !== undefined && (await this.#store.approvals.countPending(tenant, raisedBy)) >= maxPendingPerKey) {
      return `this key has ${maxPendingPerKey} approvals pending (max_pending_per_key); answer or cancel some first`;
    }
    if ((await this.#store.approvals.countPending(tenant)) >= maxPending) return `the tenant has ${maxPending} approvals pending (max_pending_approvals); answer some first`;
    return null;
  }

  // A key's proposals in the last minute, on this host: past the rate, why it must wait.
  #proposalRate(keyId: string): string | null {
    const now = Date.now();
    const recent = (this.#proposals.get(keyId) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.#options.maxProposalsPerMinute) {
      this.#proposals.set(keyId, recent);
      return `this key made ${recent.length} proposals in the last minute (max_proposals_per_minute); wait before proposing again`;
    }
    recent.push(now);
    this.#proposals.set(keyId, recent);
    return null;
  }

  async #resolve(tenant: string, id: string, resolution: Resolution) {
    const done = await this.#store.approvals.resolve(tenant, id, resolution, new Date());
    if (done?.changed) this.#emit(tenant, "approval.resolved", done.approval);
    return done;
  }

  #emit(tenant: string, type: ApprovalEventType, approval: ApprovalRecord, webhook = true): void {
    const info = notifiedView(approval);
    if (type === "approval.resolved") this.#bus.emit(`resolved:${tenant}:${approval.id}`);
    this.#bus.emit(`tenant:${tenant}`, type, info);
    if (webhook) void this.#notify(tenant, type, info);
  }

  async #notify(tenant: string, type: ApprovalEventType, approval: ApprovalInfo): Promise<void> {
    try {
      const url = (await this.#store.tenants.get(tenant))?.settings.approval_webhook;
      const secret = url ? await this.#store.tenants.webhookSecret(tenant) : undefined;
      if (url && secret) this.#webhooks.send(tenant, url, secret, type, { tenant, approval });
    } catch (e) {
      this.#options.log(`approvals: webhook for ${tenant} not sent: ${(e as Error).message}`);
    }
  }
}

const newId = () => `apr_${randomBytes(18).toString("base64url")}`;



function refusal(a: ApprovalRecord): string {
  const by: Record<Exclude<ApprovalStatus, "pending" | "accepted">, string> = {
    declined: `was declined by ${a.resolved_by}`,
    cancelled: a.resolved_via === "agent" ? "was cancelled by the agent that raised it" : `was cancelled by ${a.resolved_by}`,
    expired: `expired unanswered at ${a.expires_at}`,
  };
  return `approval ${a.id} ${by[a.status as keyof typeof by]}${a.note ? `: ${a.note}` : ""}`;
}
