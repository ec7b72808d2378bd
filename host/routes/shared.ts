// Schemas and helpers the route files share.
import Type from "typebox";
import { ErrorBody } from "../../sdk/api.ts";

export const TenantParams = Type.Object({ t: Type.String() });

/** The error answers a route documents, by status. */
export function errors(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody]));
}

export const NoContent = Type.Null({ description: "No content." });
