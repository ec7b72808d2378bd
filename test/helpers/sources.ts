// Policy sources the tests load and upload.
import { readFileSync } from "node:fs";

/** examples/myorg/policies.ts: block_domains (a factory) and my_policy (a callable). */
export const MYORG = readFileSync(new URL("../../examples/myorg/policies.ts", import.meta.url), "utf8");

/** A file under test/fixtures/policies/, e.g. `fixture("probe.ts")`. */
export const fixture = (name: string): string => readFileSync(new URL(`../fixtures/policies/${name}`, import.meta.url), "utf8");
