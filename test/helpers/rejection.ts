// Errors cross process and HTTP boundaries as data, so tests check their code, not instanceof.
import { expect } from "vitest";
import { isPalisadeError } from "palisade/sdk";

/** Awaits a promise that must reject with a PalisadeError of `code`; returns the error. */
export async function rejection(promise: Promise<unknown>, code: string): Promise<{ code: string; message: string; details: any; status?: number }> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(isPalisadeError(error), `expected ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code, String((error as Error).message)).toBe(code);
  return error as { code: string; message: string; details: any; status?: number };
}
