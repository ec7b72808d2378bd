// The marker of this test run (test/setup/leftovers.ts), for a child given a minimal environment:
// with it, a child that outlives its test is found, and the run fails.
export const runMarker = (): Record<string, string> => (process.env.PALISADE_TEST_RUN ? { PALISADE_TEST_RUN: process.env.PALISADE_TEST_RUN } : {});
