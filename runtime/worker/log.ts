// The worker's diagnostics on stderr, one line each. Their text may carry what tenant code
// chose (an error message, a stack), so control characters are escaped: a tenant must not be
// able to forge a line of its own, in this log or in whatever collects it.
import { writeSync } from "node:fs";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` on one line: control characters become `\u….` escapes. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Writes a diagnostic line synchronously (the process may be about to go down). */
export function logLine(text: string): void {
  writeSync(2, `palisade worker ${process.pid}: ${oneLine(text)}\n`);
}
