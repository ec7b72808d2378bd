// What the host keeps, as a contract that more than one store implements (SQLite, PostgreSQL).
// Grouped by resource: each group is one file in each implementation. Methods are async for
// the sake of stores that talk to a server, even where SQLite is not. The contract tests in
// test/host/store-contract.ts hold every implementation to the same behaviour.
import type { ResolvedVia } from "../../sdk/approvals.ts";
import type { Binding, Decision, Limits, ModuleSource, PolicyInfo, StateUpdate } from "../../sdk/index.ts";
import type { LoggedDecisionInfo, Role, TenantInfo, TenantSettings } from "../../sdk/api.ts";
import type { ApprovalInfo, ApprovalStatus } from "../../sdk/approvals.ts";
import type { BindingStateUpdates } from "../../sdk/types.ts";
import type { Bundled } from "../../runtime/index.ts";

export interface KeyRecord {
  id: string;
  /** null for admin keys, which are platform-wide. */
  tenant: string | null;
  role: Role;
  name: string;
  created_at: string;
  /** An agent key bound to an agent: its events carry this agent, and no other. */
  agent?: string;
}

export interface ModuleVersionRecord {
  tenant: string;
  module: string;
  version: number;
  source: ModuleSource;
  /** The bundle made from `source`; absent for versions stored before bundles were kept. */
  bundle?: Bundled;
  sha256: string;
  bundle_bytes: number;
  policies: PolicyInfo[];
  created_at: string;
}

export interface ModuleRecord {
  tenant: string;
  module: string;
  current_version: number;
  created_at: string;
  updated_at: string;
}

/** Where a binding applies: the whole tenant, one agent, or one session. */
export type Scope = { kind: "tenant" } | { kind: "agent"; id: string } | { kind: "session"; id: string };

export interface BindingRecord extends Binding {
  updated_at: string;
}

export interface DecisionToLog {
  tenant: string;
  decision: Decision;
  event_type: string;
  target: string | null;
  /** The (masked) event, only when the tenant opted in. */
  event?: unknown;
  /** Applied in the same transaction as the log entry; the session lives `ttl_s` from now. */
  state?: { session_id: string; ttl_s: number; updates: { binding: string; updates: StateUpdate[] }[] };
  /** The approval this ASK raised, or the one this resume used. */
  approval?: Decision["approval"];
  /** A decision that changed nothing (check_action, the console's "try it"). */
  dry_run?: boolean;
  /**
   * An accepted approval this decision uses up: marked used in the same transaction as the
   * entry and its state, so that a decision that is not committed (a crash, a failed write)
   * never uses a person's accept. The entry fails with PAL_APPROVAL_USED when the approval was
   * used already, or is not accepted.
   */
  uses_approval?: string;
}

/** An approval as stored: what the API shows, and what only the host needs. */
export interface ApprovalRecord extends ApprovalInfo {
  tenant: string;
  /** sha256 of the canonical JSON of the event's type, target, data and context (without the tenant). */
  fingerprint: string;
  /** The state updates the ASK held back, applied if it is accepted and used. */
  held: BindingStateUpdates[];
}

export interface ApprovalFilter {
  status?: ApprovalStatus;
  limit: number;
  /** An approval id: only older ones. */
  before?: string;
}

/** A resolution: a person's (accepted, declined, cancelled) or the clock's (expired). */
export interface Resolution {
  status: Exclude<ApprovalStatus, "pending">;
  by: string;
  via: ResolvedVia;
  note?: string;
}

/** How much of the log a tenant keeps: a number of decisions, and their size in bytes. */
export interface Retention {
  decisions: number;
  bytes: number;
}

export interface DecisionFilter {
  limit: number;
  before?: string;
  result?: string;
}

export interface TenantStore {
  create(id: string, name: string, settings: TenantSettings): Promise<TenantInfo>;
  get(id: string): Promise<TenantInfo | undefined>;
  list(): Promise<TenantInfo[]>;
  /** Deletes the tenant and everything it owns. */
  delete(id: string): Promise<boolean>;
  update(id: string, name: string, settings: TenantSettings): Promise<void>;
  /** The secret approval webhooks are signed with, if one was made. */
  webhookSecret(id: string): Promise<string | undefined>;
  setWebhookSecret(id: string, secret: string): Promise<void>;
}

export interface KeyStore {
  create(key: KeyRecord, hash: string): Promise<void>;
  /** The key whose sha256 is `hash`, unless revoked. */
  find(hash: string): Promise<(KeyRecord & { hash: string }) | undefined>;
  /** Revokes a tenant's key, or an admin key when `tenant` is null. */
  revoke(tenant: string | null, id: string): Promise<boolean>;
  /** The unrevoked keys of a tenant, or the admin keys when `tenant` is null. */
  list(tenant: string | null): Promise<KeyRecord[]>;
  hasAdmin(): Promise<boolean>;
}

export interface ModuleStore {
  /** Stores a new version and makes it current; returns its number. */
  addVersion(version: Omit<ModuleVersionRecord, "version" | "created_at">): Promise<number>;
  setCurrent(tenant: string, module: string, version: number): Promise<void>;
  get(tenant: string, module: string): Promise<ModuleRecord | undefined>;
  list(tenant: string): Promise<ModuleRecord[]>;
  getVersion(tenant: string, module: string, version: number): Promise<ModuleVersionRecord | undefined>;
  listVersions(tenant: string, module: string): Promise<ModuleVersionRecord[]>;
  /** The current version of every module of the tenant. */
  current(tenant: string): Promise<ModuleVersionRecord[]>;
  delete(tenant: string, module: string): Promise<boolean>;
}

export interface BindingStore {
  /**
   * Creates or replaces a binding; true when it was created. A session binding makes its session
   * live for `sessionTtlS` more seconds (it goes when the session expires).
   */
  put(tenant: string, scope: Scope, binding: Binding, sessionTtlS?: number): Promise<boolean>;
  /** A scope's bindings; a session's only while the session is live. */
  list(tenant: string, scope: Scope): Promise<BindingRecord[]>;
  /** Every binding of the tenant with its scope (a session's only while the session is live). */
  all(tenant: string): Promise<{ scope: Scope; binding: Binding }[]>;
  /** Every scope of the tenant that has a binding with this id. */
  scopesWithId(tenant: string, id: string): Promise<Scope[]>;
  delete(tenant: string, scope: Scope, id: string): Promise<boolean>;
  /** The tenant's bindings in every scope, for max_bindings. */
  count(tenant: string): Promise<number>;
}

export interface LimitStore {
  get(tenant: string): Promise<Limits>;
  set(tenant: string, limits: Limits): Promise<void>;
  caps(): Promise<Limits | undefined>;
  setCaps(caps: Limits): Promise<void>;
}

export interface SessionStore {
  /** Each binding's state in one session; empty once the session expired. */
  state(tenant: string, sessionId: string): Promise<Record<string, Record<string, unknown>>>;
  /** Whether the session is live (it has state or bindings, and has not expired). */
  exists(tenant: string, sessionId: string): Promise<boolean>;
  /** The tenant's live sessions, and the bytes of state they hold. */
  usage(tenant: string): Promise<{ sessions: number; bytes: number }>;
  /** Deletes every session past its expiry, with its state and bindings; returns how many. */
  expire(now?: Date): Promise<number>;
  /**
   * The key that owns the session (session_binding: key). With `claim`, atomically: the first
   * key to name a session (or one idle past `ttlS`) becomes its owner, and the owner's use keeps
   * it for `ttlS` more seconds. Without, only reads (null: nobody owns it).
   */
  owner(tenant: string, sessionId: string, keyId: string, ttlS: number, claim: boolean): Promise<string | null>;
  /**
   * Holds the session against every other host's evaluations of it until released, so that one
   * reads its state only after the last one committed (a per-session limit of N allows N,
   * whatever the number of hosts). A store that one host owns has nothing to lock against.
   */
  lock(tenant: string, sessionId: string): Promise<SessionLock>;
}

/** See SessionStore.lock. */
export interface SessionLock {
  /** False once the lock was lost (its connection failed): the evaluation must not commit. */
  held(): boolean;
  release(): Promise<void>;
}

export interface DecisionStore {
  /** Logs a decision and applies its state updates, atomically; then keeps the log within `retention`. */
  record(entry: DecisionToLog, retention: Retention): Promise<void>;
  list(tenant: string, filter: DecisionFilter): Promise<LoggedDecisionInfo[]>;
  /** What the tenant's log holds now. */
  usage(tenant: string): Promise<{ decisions: number; bytes: number }>;
}

export interface ApprovalStore {
  create(approval: ApprovalRecord): Promise<void>;
  get(tenant: string, id: string): Promise<ApprovalRecord | undefined>;
  /** Newest first. */
  list(tenant: string, filter: ApprovalFilter): Promise<ApprovalRecord[]>;
  /**
   * Resolves a pending approval, atomically: a person's answer only before `expires_at`, an
   * expiry only after. `changed` is false when it was not pending (or the clock disagreed), and
   * then `approval` is how it stands.
   */
  resolve(tenant: string, id: string, resolution: Resolution, now: Date): Promise<{ approval: ApprovalRecord; changed: boolean } | undefined>;
  /** Expires every pending approval past its time; returns them. */
  expireDue(now: Date): Promise<ApprovalRecord[]>;
  /** The tenant's pending approvals. */
  countPending(tenant: string, raisedBy?: string): Promise<number>;
  /** Deletes resolved approvals created before `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

/**
 * A change that another host made to a store they share, for this host's caches. `reset`: the
 * feed was interrupted (it is sent when it drops and again when it is back), so anything may
 * have changed and every cache starts over.
 */
export type StoreChange =
  | { kind: "tenant"; tenant: string; deleted: boolean }
  | { kind: "keys"; tenant: string | null }
  | { kind: "bindings"; tenant: string }
  | { kind: "limits"; tenant: string }
  | { kind: "caps" }
  | { kind: "module"; tenant: string; module: string }
  | { kind: "approval"; tenant: string; id: string; event: "approval.created" | "approval.resolved" }
  | { kind: "reset" };

/** A webhook delivery kept until it is done (the outbox): it survives a crash of its host. */
export interface OutboxRow {
  id: string;
  tenant: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Tries made so far. */
  attempt: number;
  /** Not to be tried before this (ISO time). */
  due_at: string;
}

/**
 * Deliveries under way, each leased to the host that sends it. A host that dies stops renewing
 * its leases; once they run out, another host (or the same one, restarted) takes the rows over:
 * every delivery is made at least once.
 */
export interface OutboxStore {
  add(row: OutboxRow, owner: string, leaseUntil: Date): Promise<void>;
  /** The host is done with it: delivered, or given up on. */
  remove(id: string): Promise<void>;
  /** Keeps `owner`'s leases on these rows until `until`; the next try is due at the time given. */
  renew(owner: string, rows: readonly { id: string; attempt: number; due_at: string }[], until: Date): Promise<void>;
  /** Leases to `owner` up to `limit` rows whose lease has run out (a host that died), oldest first. */
  takeOver(owner: string, now: Date, until: Date, limit: number): Promise<OutboxRow[]>;
}

export interface Store {
  readonly tenants: TenantStore;
  readonly keys: KeyStore;
  readonly modules: ModuleStore;
  readonly bindings: BindingStore;
  readonly limits: LimitStore;
  readonly sessions: SessionStore;
  readonly decisions: DecisionStore;
  readonly approvals: ApprovalStore;
  readonly outbox: OutboxStore;
  /** True while the store can serve requests. */
  healthy(): boolean;
  /**
   * True while this host hears of every change other hosts make (always, for a store that only
   * this host writes): only then may it answer from its caches. While false, every cache reads
   * through to the store, so that no decision comes from bindings, limits or modules that another
   * host has changed.
   */
  following(): boolean;
  /**
   * Calls `listener` with the changes other hosts make; returns the unsubscribe. Only a store
   * that several hosts share has it: one that a single host owns sees every change itself.
   */
  watch?(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}

/** Versions kept per module; older ones (never the current one) are dropped on upload. */
export const MAX_MODULE_VERSIONS = 100;
/** Largest session state kept for one binding in one session, bytes of JSON. */
export const MAX_STATE_BYTES = 256 * 1024;
/** Longest reason of one policy that the log keeps; the decision itself keeps the whole one. */
export const MAX_LOGGED_REASON = 1000;
