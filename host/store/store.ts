// What the host keeps, behind an interface small enough that a PostgreSQL store can be added
// without touching the routes. Methods are async for that reason, even though SQLite is not.
import type { Binding, Decision, Limits, ModuleSource, PolicyInfo, StateUpdate } from "../../sdk/index.ts";
import type { LoggedDecisionInfo, Role, TenantInfo, TenantSettings } from "../../sdk/api.ts";
import type { Bundled } from "../../runtime/index.ts";

export interface KeyRecord {
  id: string;
  tenant: string | null;
  role: Role;
  name: string;
  created_at: string;
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
  /** Applied in the same transaction as the log entry. */
  state?: { session_id: string; updates: { binding: string; updates: StateUpdate[] }[] };
}

export interface DecisionFilter {
  limit: number;
  before?: string;
  result?: string;
}

export interface Store {
  createTenant(id: string, name: string, settings: TenantSettings): Promise<TenantInfo>;
  getTenant(id: string): Promise<TenantInfo | undefined>;
  listTenants(): Promise<TenantInfo[]>;
  /** Deletes the tenant and everything it owns. */
  deleteTenant(id: string): Promise<boolean>;
  updateTenant(id: string, name: string, settings: TenantSettings): Promise<void>;

  createKey(key: KeyRecord, hash: string): Promise<void>;
  /** The key whose sha256 is `hash`, unless revoked. */
  findKey(hash: string): Promise<(KeyRecord & { hash: string }) | undefined>;
  revokeKey(tenant: string, id: string): Promise<boolean>;
  hasAdminKey(): Promise<boolean>;

  /** Stores a new version and makes it current; returns its number. */
  addModuleVersion(version: Omit<ModuleVersionRecord, "version" | "created_at">): Promise<number>;
  setCurrentVersion(tenant: string, module: string, version: number): Promise<void>;
  getModule(tenant: string, module: string): Promise<ModuleRecord | undefined>;
  listModules(tenant: string): Promise<ModuleRecord[]>;
  getVersion(tenant: string, module: string, version: number): Promise<ModuleVersionRecord | undefined>;
  listVersions(tenant: string, module: string): Promise<ModuleVersionRecord[]>;
  /** The current version of every module of the tenant. */
  currentVersions(tenant: string): Promise<ModuleVersionRecord[]>;
  deleteModule(tenant: string, module: string): Promise<boolean>;

  /** Creates or replaces a binding; true when it was created. */
  putBinding(tenant: string, binding: Binding): Promise<boolean>;
  listBindings(tenant: string): Promise<BindingRecord[]>;
  deleteBinding(tenant: string, id: string): Promise<boolean>;

  getLimits(tenant: string): Promise<Limits>;
  setLimits(tenant: string, limits: Limits): Promise<void>;
  getCaps(): Promise<Limits | undefined>;
  setCaps(caps: Limits): Promise<void>;

  /** Each binding's state in one session. */
  sessionState(tenant: string, sessionId: string): Promise<Record<string, Record<string, unknown>>>;
  /** Logs a decision and applies its state updates, atomically. */
  recordDecision(entry: DecisionToLog, retention: number): Promise<void>;
  listDecisions(tenant: string, filter: DecisionFilter): Promise<LoggedDecisionInfo[]>;

  /** True while the store can serve requests. */
  healthy(): boolean;
  close(): Promise<void>;
}
