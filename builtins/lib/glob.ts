// Glob patterns for tool names: `*` any run of characters, `?` one character, everything
// else literal; matching is case-insensitive. Not compiled to regexps: `*a*a*b` backtracks
// polynomially there, and the name comes from the agent.

export type Matcher = (name: string) => boolean;

export function compileGlobs(patterns: readonly string[]): Matcher {
  // Most patterns are a name, `prefix*`, `*suffix` or `*part*`: those are string tests, and only
  // the rest go through globMatch. Lists of a hundred patterns are matched on every call.
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const parts: string[] = [];
  const others: string[] = [];
  for (const pattern of patterns) {
    const p = pattern.toLowerCase();
    const inner = p.replace(/^\*|\*$/g, "");
    if (/[*?]/.test(inner) || inner === "") others.push(p);
    else if (p === inner) exact.add(p);
    else if (p === `${inner}*`) prefixes.push(inner);
    else if (p === `*${inner}`) suffixes.push(inner);
    else parts.push(inner);
  }
  // Hashing a long name for the set costs more than the name's length says it can match.
  const longest = Math.max(0, ...[...exact].map((p) => p.length));
  return (name) => {
    const text = name.toLowerCase();
    if (text.length <= longest && exact.has(text)) return true;
    for (const p of prefixes) if (text.startsWith(p)) return true;
    for (const p of suffixes) if (text.endsWith(p)) return true;
    for (const p of parts) if (text.includes(p)) return true;
    return others.some((p) => globMatch(p, text));
  };
}

// Greedy, going back only to the last `*` seen: whatever an earlier `*` could take, a later
// one can take instead. At most pattern × text steps.
function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (pattern[p] === "*") {
      star = p++;
      resume = t;
    } else if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * The params_schema of a list of such patterns, each 1 to 200 characters. `noBlanks` refuses
 * patterns with white space (names that have none, like owner/repo).
 */
export function globListSchema(description: string, list: { default?: string[]; minItems?: number; maxItems?: number; noBlanks?: boolean } = {}) {
  return {
    type: "array",
    items: { type: "string", minLength: 1, maxLength: 200, ...(list.noBlanks ? { pattern: "^\\S+$" } : {}) },
    ...(list.minItems === undefined ? {} : { minItems: list.minItems }),
    maxItems: list.maxItems ?? 200,
    ...(list.default ? { default: list.default } : {}),
    description,
  };
}
