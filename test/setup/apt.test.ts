// The test setup's apt-get waits for another package manager instead of failing the suite, and
// fails at once on any other error. apt-get here is a stand-in on PATH that records its calls.
import { execFile } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { testDir } from "../helpers/host.ts";

const APT = fileURLToPath(new URL("./apt.ts", import.meta.url));

function withFakeApt(script: string): Promise<{ code: number; stderr: string; calls: string[] }> {
  const dir = testDir();
  const log = path.join(dir, "calls");
  writeFileSync(path.join(dir, "apt-get"), `#!/bin/sh\necho "$*" >> ${log}\n${script}\n`);
  chmodSync(path.join(dir, "apt-get"), 0o755);
  writeFileSync(log, "");
  return new Promise((resolve) => {
    execFile(process.execPath, ["-e", `import(${JSON.stringify(APT)}).then((m) => m.aptInstall(["chromium"]))`], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr, calls: readFileSync(log, "utf8").trim().split("\n") });
    });
  });
}

it("waits while another apt-get holds the lock, then installs", async () => {
  // The first update finds the lists locked, as when an unattended upgrade runs.
  const ran = await withFakeApt(`case "$*" in *update*) [ -f "$0.locked" ] && exit 0; touch "$0.locked"; echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2; exit 100;; esac; exit 0`);
  expect(ran.code).toBe(0);
  expect(ran.stderr).toContain("another apt-get holds the package manager's lock; waiting");
  expect(ran.calls).toEqual([
    "-o DPkg::Lock::Timeout=600 update",
    "-o DPkg::Lock::Timeout=600 update",
    "-o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium",
  ]);
});

it("fails at once on another error", async () => {
  const ran = await withFakeApt(`echo "E: Unable to locate package chromium" >&2; exit 100`);
  expect(ran.code).not.toBe(0);
  expect(ran.stderr).toContain("apt-get update failed (status 100)");
  expect(ran.calls).toHaveLength(1);
});
