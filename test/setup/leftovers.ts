// The suite leaves nothing behind. Every process a test starts inherits PALISADE_TEST_RUN, set
// here before the test workers start; after the run, any process still carrying it (a host, a
// sandbox worker, esbuild, PostgreSQL, a browser, an MCP server) is reported and killed, and the
// run fails: a test that lets one outlive it has a bug. Tests that give a child a minimal
// environment pass the marker on themselves (test/helpers/host.ts, testEnv).
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";

const MARKER = "PALISADE_TEST_RUN";
// Processes that are exiting as the run ends (a SIGTERM sent in the last afterAll) get this long.
const GRACE_MS = 5000;

/** The processes whose environment carries this run's marker, with their command lines. */
function carrying(run: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`${MARKER}=${run}`)) continue;
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"))?.[1];
      if (state === "Z") continue; // exited, waiting for its parent to read its status
      found.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim().slice(0, 200) });
    } catch {} // it has exited meanwhile, or is not ours to read
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const run = randomUUID();
  process.env[MARKER] = run;
  return async () => {
    const deadline = Date.now() + GRACE_MS;
    let left = carrying(run);
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      left = carrying(run);
    }
    if (!left.length) return;
    for (const { pid } of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    // vitest reports a teardown's error but does not fail the run for it: fail it here.
    process.exitCode = 1;
    throw new Error(`the suite left ${left.length} process(es) running (now killed):\n${left.map((p) => `  ${p.pid} ${p.cmd}`).join("\n")}`);
  };
}
