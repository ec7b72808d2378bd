// palisade.builtins: the policies every tenant can bind. Each group file exports its
// factories and the registry entries for them; this file gathers both.
import type { RegistryEntry } from "palisade/sdk";
import { BUDGET_POLICIES } from "./budgets.ts";
import { EXPRESSION_POLICIES } from "./expression.ts";
import { TOOL_POLICIES } from "./tools.ts";

export * from "./budgets.ts";
export * from "./expression.ts";
export * from "./tools.ts";

export const POLICY_REGISTRY: RegistryEntry[] = [...TOOL_POLICIES, ...BUDGET_POLICIES, ...EXPRESSION_POLICIES];
