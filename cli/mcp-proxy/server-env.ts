// The environment of the wrapped server: the MCP SDK's default allowlist for stdio servers
// (HOME, LOGNAME, PATH, SHELL, TERM, USER; their Windows equivalents) and what `--env` names,
// nothing else. An agent's environment holds model keys (ANTHROPIC_API_KEY), its session ids and
// Palisade's own keys; a server that prints its environment (a get-env tool) would hand them to
// the model, and one that is hostile would keep them.
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { UsageError } from "../command.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `given` are the --env values: NAME (copied from this process's environment; it must be set)
 * or NAME=value. `keys` are the variables that hold Palisade's keys: they are never passed on.
 */
export function serverEnvironment(given: readonly string[], keys: readonly string[]): Record<string, string> {
  const env: Record<string, string> = { ...getDefaultEnvironment() };
  for (const entry of given) {
    const split = entry.indexOf("=");
    const name = split === -1 ? entry : entry.slice(0, split);
    if (!NAME.test(name)) throw new UsageError(`--env ${entry}: give a variable's name, or NAME=value`);
    if (keys.includes(name)) throw new UsageError(`--env ${name}: that variable holds a Palisade key, which the wrapped server must never get`);
    const value = split === -1 ? process.env[name] : entry.slice(split + 1);
    if (value === undefined) throw new UsageError(`--env ${name}: that environment variable is not set (pass --env ${name}=value to set it)`);
    env[name] = value;
  }
  return env;
}
