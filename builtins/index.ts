// palisade.builtins: the policies every tenant can bind. Each group file exports its
// factories and the registry entries for them; this file gathers both.
import type { RegistryEntry } from "palisade/sdk";
import { BUDGET_POLICIES } from "./budgets.ts";
import { EXPRESSION_POLICIES } from "./expression.ts";
import { DOMAIN_POLICIES } from "./domains.ts";
import { PATH_POLICIES } from "./paths.ts";
import { PII_POLICIES } from "./pii.ts";
import { SECRET_POLICIES } from "./secrets.ts";
import { SHELL_POLICIES } from "./shell.ts";
import { GITHUB_POLICIES } from "./github.ts";
import { TOOL_POLICIES } from "./tools.ts";

export * from "./budgets.ts";
export * from "./expression.ts";
export * from "./domains.ts";
export * from "./paths.ts";
export * from "./pii.ts";
export * from "./secrets.ts";
export * from "./shell.ts";
export * from "./github.ts";
export * from "./tools.ts";

export const POLICY_REGISTRY: RegistryEntry[] = [...TOOL_POLICIES, ...BUDGET_POLICIES, ...EXPRESSION_POLICIES, ...DOMAIN_POLICIES, ...PII_POLICIES, ...SECRET_POLICIES, ...PATH_POLICIES, ...SHELL_POLICIES, ...GITHUB_POLICIES];
