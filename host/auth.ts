// API keys and who may do what (docs/design.md, "HTTP API"). A key is shown once; the store keeps its sha256.
// A tenant key that names another tenant gets 404, never 403, so keys cannot probe for
// tenants; within its own tenant, a key with the wrong role gets 403.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { PalisadeError } from "../sdk/index.ts";
import type { Role } from "../sdk/api.ts";
import type { Store } from "./store/store.ts";

export interface Principal {
  keyId: string;
  role: Role;
  /** null for admin keys, which are platform-wide. */
  tenant: string | null;
  /** An agent key bound to an agent speaks for it alone (host/identity.ts). */
  agent?: string;
}

/** Who may use a route, declared in its `config.access`. */
export interface Access {
  roles: readonly Role[];
  /** The route is under /v1/tenants/:t and the key must belong to that tenant (or be admin). */
  tenant?: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** A new key: `pal_<role>_<32 random bytes, base64url>`, its public id and its hash. */
export function newKey(role: Role): { id: string; key: string; hash: string } {
  const key = `pal_${role}_${randomBytes(32).toString("base64url")}`;
  return { id: `key_${randomBytes(8).toString("hex")}`, key, hash: hashKey(key) };
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  return /^Bearer\s+(\S{1,512})$/i.exec(header ?? "")?.[1] ?? null;
}

/** Resolves the request's bearer key, or null when there is none or it is unknown or revoked. */
export async function authenticate(store: Store, header: string | undefined): Promise<Principal | null> {
  const token = bearerToken(header);
  if (token === null) return null;
  const hash = hashKey(token);
  const key = await store.keys.find(hash);
  // The lookup is by hash already; comparing again in constant time keeps that property even
  // for a store whose index lookup might not.
  if (!key || !timingSafeEqual(Buffer.from(key.hash, "hex"), Buffer.from(hash, "hex"))) return null;
  return { keyId: key.id, role: key.role, tenant: key.tenant, ...(key.agent !== undefined ? { agent: key.agent } : {}) };
}

/**
 * Authenticates the request's key and checks that it may use a route. It runs before the body
 * is read, so callers without a key cannot make the server parse anything. For tenant routes, pass the tenant from the
 * path; the tenant must exist. Throws 401, 404 or 403 as "HTTP API" in docs/design.md says.
 */
export async function authorize(request: FastifyRequest, store: Store, roles: readonly Role[], tenant?: string): Promise<Principal> {
  const principal = (request.principal = await authenticate(store, request.headers.authorization));
  if (!principal) throw new PalisadeError("PAL_UNAUTHORIZED", "send Authorization: Bearer <key> with a valid, unrevoked key");
  if (tenant !== undefined) {
    const foreign = principal.role !== "admin" && principal.tenant !== tenant;
    if (foreign || !(await store.tenants.get(tenant))) throw new PalisadeError("PAL_TENANT_NOT_FOUND", `tenant "${tenant}" not found`);
  }
  if (!roles.includes(principal.role)) {
    throw new PalisadeError("PAL_FORBIDDEN", `${/^[aeiou]/.test(principal.role) ? "an" : "a"} ${principal.role} key may not do this; it needs one of: ${roles.join(", ")}`);
  }
  return principal;
}
