// The host's configuration: palisade.yaml (optional), overridden by command-line flags.
// Validated with ajv; an error names the bad key and the file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import Type, { type Static } from "typebox";
import { parse as parseYaml } from "yaml";
import { PalisadeError } from "../sdk/index.ts";
import * as S from "../sdk/schemas.ts";
import { readSourceTree } from "../runtime/index.ts";

const PolicyModule = Type.Union([
  S.ModuleName,
  Type.Object({ module: S.ModuleName, tenants: Type.Array(S.TenantId, { minItems: 1 }) }, { additionalProperties: false }),
]);

export const ConfigSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1, description: "Listen address. Default 127.0.0.1." })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: "Listen port. Default 8181." })),
    data_dir: Type.Optional(Type.String({ minLength: 1, description: "Where the SQLite store lives. Default ./.palisade." })),
    workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, description: "Sandbox worker processes. Default: CPU count." })),
    log_level: Type.Optional(Type.Enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])),
    policy_paths: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "Folders that policy_modules are resolved in." })),
    policy_modules: Type.Optional(Type.Array(PolicyModule, { description: "Modules loaded for every tenant, or for the tenants listed." })),
    caps: Type.Optional(S.Limits),
    limits: Type.Optional(S.Limits),
    bindings: Type.Optional(Type.Array(S.Binding, { description: "Bindings every tenant starts with." })),
    max_inflight_per_tenant: Type.Optional(Type.Integer({ minimum: 1, description: "Evaluations a tenant may have in flight; more get 429. Default 64." })),
    max_bodies_per_key: Type.Optional(Type.Integer({ minimum: 1, description: "Request bodies one key may be sending at once; more get 429, so that one agent trickling bodies cannot hold its tenant's in-flight slots. Default 8." })),
    max_body_bytes_per_s: Type.Optional(Type.Integer({ minimum: 1024, description: "Bytes of request bodies read a second for each tenant; past it, its bodies wait until the budget refills. Default 8388608 (8 MiB)." })),
    request_timeout_s: Type.Optional(Type.Integer({ minimum: 1, description: "Seconds a request may take to arrive whole (headers and body); then 408. Default 30." })),
    decision_retention: Type.Optional(Type.Integer({ minimum: 0, description: "Decisions kept per tenant unless its settings say otherwise. Default 100000." })),
    max_decision_retention: Type.Optional(Type.Integer({ minimum: 0, description: "The most decisions a tenant's settings may keep. Default 1000000." })),
    decision_log_mb: Type.Optional(Type.Integer({ minimum: 1, description: "Bytes of decision log kept per tenant, in MB; the oldest go first. Default 256." })),
    max_sessions: Type.Optional(Type.Integer({ minimum: 1, description: "Live sessions with state per tenant; a new one past it is denied. Default 10000." })),
    session_store_mb: Type.Optional(Type.Integer({ minimum: 1, description: "Bytes of session state per tenant, in MB; state updates past it are denied. Default 64." })),
    max_pending_approvals: Type.Optional(Type.Integer({ minimum: 1, description: "Pending approvals per tenant; an ASK past it is denied. Default 1000." })),
    max_pending_per_key: Type.Optional(Type.Integer({ minimum: 1, description: "Pending approvals and proposals that one key's requests may have raised; past it that key's ASKs are denied and its proposals refused, and the tenant's other keys go on. Default 100." })),
    max_proposals_per_minute: Type.Optional(Type.Integer({ minimum: 1, description: "Proposals one key may make a minute (on each host). Default 30." })),
    rewarm_tenants: Type.Optional(Type.Integer({ minimum: 0, description: "Tenants whose modules and evaluators a starting host loads in the background, before their first request. 0 loads each on first use. Default 200." })),
    approval_webhook_private_networks: Type.Optional(Type.Boolean({ description: "Let approval webhooks reach loopback, private and link-local addresses. Default false." })),
    metrics_token: Type.Optional(Type.String({ minLength: 24, description: "When set, /metrics answers only requests with Authorization: Bearer <this token>. PALISADE_METRICS_TOKEN overrides it." })),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigSchema>;

export interface ConfigModule {
  name: string;
  /** null: every tenant. */
  tenants: string[] | null;
  files: Record<string, string>;
  entry: string;
}

export interface HostConfig {
  /** The config file this came from, or null (defaults and flags only). */
  file: string | null;
  host: string;
  port: number;
  dataDir: string;
  /** A postgres:// URL: the store is PostgreSQL there (shared by every host on it); null: SQLite in dataDir. */
  storeUrl: string | null;
  workers?: number;
  logLevel: string;
  policyModules: ConfigModule[];
  caps: NonNullable<ConfigFile["caps"]>;
  limits: NonNullable<ConfigFile["limits"]>;
  bindings: NonNullable<ConfigFile["bindings"]>;
  maxInflightPerTenant: number;
  decisionRetention: number;
  maxDecisionRetention: number;
  decisionLogBytes: number;
  maxSessions: number;
  sessionStoreBytes: number;
  maxPendingApprovals: number;
  maxBodiesPerKey: number;
  maxBodyBytesPerS: number;
  requestTimeoutMs: number;
  maxPendingPerKey: number;
  maxProposalsPerMinute: number;
  rewarmTenants: number;
  webhookPrivateNetworks: boolean;
  metricsToken: string | null;
}

/**
 * The platform caps when neither the config nor an admin sets them: a tenant's own security
 * key may raise its limits this far and no further. Time and memory matter most: they are
 * what a hostile policy spends on a shared worker.
 */
export const DEFAULT_CAPS = Object.freeze({
  memory_mb: 128,
  timeout_ms: 1000,
  max_bundle_bytes: 8 << 20,
  max_event_bytes: 8 << 20,
  max_output_bytes: 4 << 20,
  max_modules: 200,
  max_bindings: 500,
});

export interface ConfigOverrides {
  config?: string;
  host?: string;
  port?: number;
  data?: string;
  /** --store: a postgres:// URL; PALISADE_DATABASE_URL when absent. */
  store?: string;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(ConfigSchema);

/** Reads and checks the config file (if any) and applies the command-line overrides. */
export function loadConfig(overrides: ConfigOverrides = {}): HostConfig {
  let file: ConfigFile = {};
  let base = process.cwd();
  let where: string | null = null;
  if (overrides.config) {
    where = path.resolve(overrides.config);
    base = path.dirname(where);
    let text: string;
    try {
      text = readFileSync(where, "utf8");
    } catch (e) {
      throw new PalisadeError("PAL_CONFIG_INVALID", `cannot read config ${where}: ${(e as Error).message}`);
    }
    try {
      file = (parseYaml(text) ?? {}) as ConfigFile;
    } catch (e) {
      throw new PalisadeError("PAL_CONFIG_INVALID", `${where}: not valid YAML: ${(e as Error).message}`);
    }
    if (!validate(file)) {
      const problems = (validate.errors ?? []).map((e) =>
        e.keyword === "additionalProperties"
          ? `${e.instancePath || "(top level)"}: unknown key "${String(e.params.additionalProperty)}"`
          : `${e.instancePath || "(top level)"}: ${e.message}`,
      );
      throw new PalisadeError("PAL_CONFIG_INVALID", `${where}: ${problems.join("; ")}`, { issues: validate.errors });
    }
  }
  const paths = (file.policy_paths ?? []).map((p) => path.resolve(base, p));
  const trees = new Map<string, Record<string, string>>();
  return {
    file: where,
    host: overrides.host ?? file.host ?? "127.0.0.1",
    port: overrides.port ?? file.port ?? 8181,
    dataDir: path.resolve(overrides.data ?? (file.data_dir ? path.resolve(base, file.data_dir) : "./.palisade")),
    storeUrl: storeUrl(overrides.store),
    ...(file.workers ? { workers: file.workers } : {}),
    logLevel: file.log_level ?? "info",
    policyModules: (file.policy_modules ?? []).map((m) =>
      resolveModule(typeof m === "string" ? m : m.module, typeof m === "string" ? null : m.tenants, paths, trees),
    ),
    caps: { ...DEFAULT_CAPS, ...file.caps },
    limits: file.limits ?? {},
    bindings: file.bindings ?? [],
    maxInflightPerTenant: file.max_inflight_per_tenant ?? 64,
    decisionRetention: file.decision_retention ?? 100_000,
    maxDecisionRetention: file.max_decision_retention ?? 1_000_000,
    decisionLogBytes: (file.decision_log_mb ?? 256) << 20,
    maxSessions: file.max_sessions ?? 10_000,
    sessionStoreBytes: (file.session_store_mb ?? 64) << 20,
    maxPendingApprovals: file.max_pending_approvals ?? 1000,
    maxBodiesPerKey: file.max_bodies_per_key ?? 8,
    maxBodyBytesPerS: file.max_body_bytes_per_s ?? 8 << 20,
    requestTimeoutMs: (file.request_timeout_s ?? 30) * 1000,
    maxPendingPerKey: file.max_pending_per_key ?? 100,
    maxProposalsPerMinute: file.max_proposals_per_minute ?? 30,
    rewarmTenants: file.rewarm_tenants ?? 200,
    webhookPrivateNetworks: file.approval_webhook_private_networks ?? false,
    metricsToken: process.env.PALISADE_METRICS_TOKEN || file.metrics_token || null,
  };
}

// Not in palisade.yaml: the URL may carry a password, which belongs in the environment.
function storeUrl(flag: string | undefined): string | null {
  const [value, source] = flag !== undefined ? [flag, "--store"] : [process.env.PALISADE_DATABASE_URL || undefined, "PALISADE_DATABASE_URL"];
  if (value === undefined) return null;
  if (!/^postgres(ql)?:\/\//.test(value)) {
    throw new PalisadeError("PAL_CONFIG_INVALID", `${source} must be a PostgreSQL URL like postgres://user:password@host:5432/palisade (got a value starting "${value.slice(0, 12)}"); leave it unset for SQLite in --data`);
  }
  return value;
}

// `myorg.policies` is `<policy path>/myorg/policies.ts` (or .js, or …/policies/index.ts). The
// module gets every source file under its policy path, so it may import its neighbours.
function resolveModule(name: string, tenants: string[] | null, roots: string[], trees: Map<string, Record<string, string>>): ConfigModule {
  const relative = name.replaceAll(".", "/");
  const candidates = [".ts", ".mts", ".js", ".mjs", "/index.ts", "/index.js"].map((ext) => `${relative}${ext}`);
  for (const root of roots) {
    let files = trees.get(root);
    if (!files) {
      try {
        files = readSourceTree(root);
      } catch (e) {
        throw new PalisadeError("PAL_CONFIG_INVALID", `policy_paths: ${(e as Error).message}`);
      }
      trees.set(root, files);
    }
    const entry = candidates.find((c) => c in files);
    if (entry) return { name, tenants, files, entry };
  }
  throw new PalisadeError("PAL_CONFIG_INVALID", `policy_modules: "${name}" not found as ${candidates[0]} (or .js, /index.ts) in policy_paths [${roots.join(", ")}]`);
}
