import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Installs the system programs some tests drive (Chromium; PostgreSQL's binaries), when a
    // machine lacks them.
    // …and, last, checks that nothing the suite started outlives it (test/setup/leftovers.ts).
    globalSetup: ["test/setup/leftovers.ts", "test/setup/system-packages.ts", "test/setup/postgres.ts"],
    // Runtime tests fork sandbox worker processes of their own; two test files at a time keeps a
    // 2-core machine from being oversubscribed. No result depends on how loaded it is: tests of
    // large inputs run under a generous time limit, and speed is for bench/ to measure.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
