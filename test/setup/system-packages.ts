// The console's browser tests need Chromium. On a fresh machine it is installed here, once,
// before any test runs (the machines this runs on are root); nothing is installed when it is
// there. PostgreSQL's binaries are test/setup/postgres.ts's.
import { existsSync } from "node:fs";
import { aptInstall } from "./apt.ts";

export const CHROMIUM = "/usr/bin/chromium";

export default function setup(): void {
  const missing = [existsSync(CHROMIUM) ? null : "chromium"].filter((p): p is string => p !== null);
  if (!missing.length) return;
  process.stderr.write(`test setup: installing ${missing.join(", ")} with apt-get (first run on this machine)…\n`);
  aptInstall(missing);
}
