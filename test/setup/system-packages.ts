// The suite needs two system programs: Chromium (the console's browser tests) and PostgreSQL
// (the store's). On a fresh machine they are installed here, once, before any test runs; the
// machines this runs on are root. Nothing is installed when they are there already.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

export default function setup(): void {
  const missing = [existsSync(CHROMIUM) ? null : "chromium"].filter((p): p is string => p !== null);
  if (!missing.length) return;
  process.stderr.write(`test setup: installing ${missing.join(", ")} with apt-get (first run on this machine)…\n`);
  execFileSync("apt-get", ["update"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
