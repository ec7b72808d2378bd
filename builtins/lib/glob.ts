// Glob patterns for tool names: `*` any run of characters, `?` one character, everything
// else literal; matching is case-insensitive. Compiled once per factory, linear to match.

export type Matcher = (name: string) => boolean;

export function compileGlobs(patterns: readonly string[]): Matcher {
  const compiled = patterns.map((p) => {
    const source = p.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*+/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${source}$`, "s");
  });
  return (name) => {
    const lower = name.toLowerCase();
    return compiled.some((r) => r.test(lower));
  };
}
