// Small helpers the shell parser and its policies share; none knows any shell syntax.

/** table[key] when key is the table's own (not `constructor`, `__proto__`, …). */
export const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** The last path component: `/usr/bin/rm` → `rm`. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** from, from + 1, …, to - 1. */
export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** `s` as one shell word, single-quoted. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
