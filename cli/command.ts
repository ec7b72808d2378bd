// What every CLI command provides, and the helpers they share.
import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

export interface Command {
  name: string;
  /** One line for `palisade --help`. */
  summary: string;
  /** The whole `--help` text, with an example. */
  help: string;
  /** Returns the exit code, or null to keep running. Throws for errors (printed as one line). */
  run(argv: string[]): Promise<number | null>;
}

/** A mistake in how the command was called: printed with a hint to read `--help`. */
export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" }, verbose: { type: "boolean" } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!(parsed.values as { help?: boolean }).help && parsed.positionals.length !== positionals) {
    throw new UsageError(positionals === 0 ? `unexpected argument "${parsed.positionals[0]}"` : `expected ${positionals} argument${positionals > 1 ? "s" : ""}, got ${parsed.positionals.length}`);
  }
  return parsed;
}

/** A JSON value given inline or as `@file`. */
export function jsonArgument(value: string, what: string): unknown {
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (e) {
      throw new UsageError(`cannot read ${what} file ${value.slice(1)}: ${(e as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Where the host is, from flags or PALISADE_URL / PALISADE_KEY / PALISADE_TENANT. */
export function hostSettings(values: { url?: string | undefined; key?: string | undefined; tenant?: string | undefined }) {
  const url = values.url ?? process.env.PALISADE_URL ?? "http://127.0.0.1:8181";
  const key = values.key ?? process.env.PALISADE_KEY;
  const tenant = values.tenant ?? process.env.PALISADE_TENANT;
  if (!key) throw new UsageError("no API key: pass --key or set PALISADE_KEY");
  if (!tenant) throw new UsageError("no tenant: pass --tenant or set PALISADE_TENANT");
  return { url, key, tenant };
}

export const HOST_OPTIONS = {
  url: { type: "string" },
  key: { type: "string" },
  tenant: { type: "string" },
} as const;

export const HOST_HELP = `  --url URL        the host (default $PALISADE_URL, else http://127.0.0.1:8181)
  --key KEY        an API key (default $PALISADE_KEY)
  --tenant ID      the tenant (default $PALISADE_TENANT)`;

export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
