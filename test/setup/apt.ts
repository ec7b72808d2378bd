// apt-get for the test setup: a fresh machine lacks Chromium or PostgreSQL and the suite installs
// them (the machines run as root). Another apt-get may hold the package manager's locks (an
// unattended upgrade, a second install): then this waits for them instead of failing the suite.
import { spawnSync } from "node:child_process";

// How long to wait for another apt-get or dpkg to finish, in all.
const LOCK_WAIT_S = 600;
// apt-get's exit status when it could not take a lock (among other failures).
const APT_FAILED = 100;

function apt(args: string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const deadline = Date.now() + LOCK_WAIT_S * 1000;
  for (let attempt = 1; ; attempt++) {
    // DPkg::Lock::Timeout makes apt itself wait for dpkg's lock; the lists' lock of `update` it
    // does not cover, so a failed run is tried again while the deadline allows.
    const run = spawnSync("apt-get", ["-o", `DPkg::Lock::Timeout=${LOCK_WAIT_S}`, ...args], { env, stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
    process.stderr.write(run.stderr ?? "");
    if (run.status === 0) return;
    const locked = run.status === APT_FAILED && /Could not get lock|Unable to lock|is held by process/i.test(run.stderr ?? "");
    if (!locked || Date.now() > deadline) throw new Error(`apt-get ${args.join(" ")} failed (status ${run.status ?? run.signal})`);
    process.stderr.write(`test setup: another apt-get holds the package manager's lock; waiting (try ${attempt})…\n`);
    spawnSync("sleep", ["5"]);
  }
}

/** Installs Debian packages: `apt-get update`, then `install`, waiting for other package managers. */
export function aptInstall(packages: string[]): void {
  apt(["update"]);
  apt(["install", "-y", "--no-install-recommends", ...packages]);
}
