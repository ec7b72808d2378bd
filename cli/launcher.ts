// Where this install's `palisade` command is, for the configs Palisade prints (hook settings, MCP
// client configs): bin/palisade, the launcher that finds a Node 24 itself and fails closed when
// it cannot, named by its absolute path, so that a config works from any directory.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The launcher of this install (bin/palisade), found from the sources and from dist/ alike. */
export function launcherPath(): string {
  for (const up of ["../bin/palisade", "../../bin/palisade"]) {
    const candidate = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(candidate)) return candidate;
  }
  throw new Error("cannot find bin/palisade next to this install: reinstall Palisade");
}

/** A word for /bin/sh: single-quoted, so that spaces and `$` in paths stay as they are. */
export const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

