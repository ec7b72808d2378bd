// A tool's output with its text taken out, in its own shape. Claude Code takes a replacement
// output only in the shape the tool gives (Read's object stays an object, its `type` stays
// "text"), so withholding keeps the shape: every string becomes a notice, except the short
// identifiers that say which shape it is (`type`, `kind`). Numbers and booleans stay: they say
// how the tool ran (line counts, exit codes, `interrupted`), and a replacement whose numbers the
// client cannot read would be dropped, letting the original through. Object keys stay too, for
// the same reason: a secret used as a key in a tool's output is not withheld (docs/adapters.md).

// Deeper than any tool's output; a payload nested deeper is an attack on the walk itself.
const MAX_DEPTH = 64;
const DISCRIMINATOR_KEYS = new Set(["type", "kind"]);
// Lower case and short, as type tags are ("text", "image", "tool_result"): a key id such as
// AKIA… is upper case, and is withheld like any other string.
const IDENTIFIER = /^[a-z][a-z0-9_-]{0,23}$/;

export function withheld(value: unknown, notice: string, depth = 0, key = ""): unknown {
  if (typeof value === "string") return DISCRIMINATOR_KEYS.has(key) && IDENTIFIER.test(value) ? value : notice;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return notice;
  if (Array.isArray(value)) return value.map((item) => withheld(item, notice, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, item] of Object.entries(value)) {
    // Built as a plain literal: a "__proto__" key in the payload must not become a prototype.
    if (k !== "__proto__") out[k] = withheld(item, notice, depth + 1, k);
  }
  return out;
}
