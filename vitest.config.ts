import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Runtime tests fork sandbox worker processes of their own; two test files at a time keeps
    // a 2-core machine responsive enough that no test ever depends on timing.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
