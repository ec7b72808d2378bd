// Finding and redacting credentials: cloud keys, API tokens, JWTs, private keys, passwords and
// Authorization headers. Two ways of finding: patterns in any text (`AKIA…`, `password=…`),
// and structure (the value of a `"password"` key, whatever it looks like).

export const SECRET_KINDS = [
  "private_key", "aws_access_key", "gcp_api_key", "anthropic_api_key", "openai_api_key", "model_api_key", "github_token", "slack_token", "jwt", "aws_secret_key", "password", "bearer_token",
] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export interface SecretMatch {
  kind: SecretKind;
  start: number;
  end: number;
}

// The secret is the last capture group that matched (the value after `password=`), or else
// the whole match. Patterns carry the `d` flag for the group's indices.
type Finder = { kind: SecretKind; pattern: RegExp };

// Values that stand for a secret rather than being one; left alone.
const PLACEHOLDER = /^(?:\*+|x{3,}|\$\{?\w+\}?|\{\{[^}]*\}\}|<[^>]*>|\[REDACTED[^\]]*\]|null|none|undefined|true|false)$/i;
const QUOTED_OR_BARE = `(?:\\\\?"([^"\\\\\\n]{1,512})\\\\?"|'([^'\\n]{1,512})'|([^\\s"'\`,;&<>(){}[\\]][^\\s"'\`,;&<>)}\\]]{0,511}))`;

// Each pattern is linear: classes that cannot overlap what follows them, bounded repeats.
const FINDERS: Finder[] = [
  { kind: "aws_access_key", pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/dg },
  { kind: "gcp_api_key", pattern: /(?<![\w-])AIza[0-9A-Za-z_-]{35}/dg },
  // Model providers' keys: an agent's own environment holds them (ANTHROPIC_API_KEY, …), and a
  // tool that prints its environment hands them to the model.
  // sk-ant- is distinctive enough to be found glued to anything before it (xsk-ant-…, 1sk-ant-…).
  { kind: "anthropic_api_key", pattern: /sk-ant-[A-Za-z0-9_-]{20,}/dg },
  // sk-… with a digit within its first characters: keys have them, words such as sk-learn-… do not.
  { kind: "openai_api_key", pattern: /(?<![\w-])sk-(?!ant-)(?=[\w-]{0,64}\d)[A-Za-z0-9_-]{20,}/dg },
  // Hugging Face, Groq, xAI, Replicate, Perplexity.
  { kind: "model_api_key", pattern: /(?<![\w-])(?:hf_[A-Za-z0-9]{30,}|gsk_[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}|pplx-[A-Za-z0-9]{40,})/dg },
  { kind: "github_token", pattern: /(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})/dg },
  { kind: "slack_token", pattern: /(?<![\w-])xox[abprs]-[A-Za-z0-9-]{10,}/dg },
  { kind: "jwt", pattern: /(?<![\w-])eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/dg },
  {
    kind: "aws_secret_key",
    pattern: /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)\\?["']?\s{0,10}[:=]\s{0,10}\\?["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi
  },
  { kind: "password", pattern: new RegExp(`(?:password|passwd|passphrase)\\\\?["']?\\s{0,10}[:=]\\s{0,10}${QUOTED_OR_BARE}`, "dgi") },
  { kind: "password", pattern: new RegExp(`\\bpwd\\s{0,10}=\\s{0,10}${QUOTED_OR_BARE}`, "dgi") },
  { kind: "password", pattern: /--(?:password|passwd|passphrase)\s+([^\s"'`-][^\s"'`]{0,511})/dgi },
  // https://user:password@host
  { kind: "password", pattern: /[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/@:]{1,256}:([^\s/@]{1,512})@/dgi },
  { kind: "bearer_token", pattern: /\bbearer\s+([A-Za-z0-9._~+/=-]{8,})/dgi },
  { kind: "bearer_token", pattern: /authorization\\?["']?\s{0,10}[:=]\s{0,10}\\?["']?(?:[a-z]{1,20}\s+)?([^\s"'`,;\\]{8,})/dgi },
];

const PRIORITY = new Map(SECRET_KINDS.map((k, i) => [k, i]));
const BEGIN_KEY = /-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----/g;
const MAX_KEY_BLOCK = 64 * 1024;

function* privateKeys(text: string): Generator<SecretMatch> {
  // A key block without its END line (cut off, or malformed) is redacted to the end of the text.
  let from = 0;
  for (const m of text.matchAll(BEGIN_KEY)) {
    if (m.index < from) continue;
    const endLine = `-----END ${m[1]}PRIVATE KEY${m[2] ?? ""}-----`;
    const at = text.indexOf(endLine, m.index);
    from = at >= 0 && at - m.index < MAX_KEY_BLOCK ? at + endLine.length : text.length;
    yield { kind: "private_key", start: m.index, end: from };
  }
}

/**
 * The secrets of the given kinds in `text`, sorted and not overlapping: where two overlap
 * (a JWT after `Bearer`), they merge into one span named after the more specific kind.
 */
export function findSecrets(text: string, kinds: ReadonlySet<SecretKind>): SecretMatch[] {
  const all: SecretMatch[] = kinds.has("private_key") ? [...privateKeys(text)] : [];
  for (const { kind, pattern } of FINDERS) {
    if (!kinds.has(kind)) continue;
    for (const m of text.matchAll(pattern)) {
      let span = m.indices![0]!;
      for (let g = 1; g < m.length; g++) if (m[g] !== undefined) span = m.indices![g]!;
      if (span !== m.indices![0] && PLACEHOLDER.test(text.slice(span[0], span[1]))) continue;
      all.push({ kind, start: span[0], end: span[1] });
    }
  }
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretMatch[] = [];
  for (const m of all) {
    const last = merged[merged.length - 1];
    if (last && m.start < last.end) {
      last.end = Math.max(last.end, m.end);
      if (PRIORITY.get(m.kind)! < PRIORITY.get(last.kind)!) last.kind = m.kind;
    } else merged.push({ ...m });
  }
  return merged;
}

/** `text` with each secret replaced by `[REDACTED:<kind>]`, and the kinds replaced. */
export function redactText(text: string, kinds: ReadonlySet<SecretKind>): { text: string; found: SecretKind[] } {
  const matches = findSecrets(text, kinds);
  if (matches.length === 0) return { text, found: [] };
  let out = "";
  let last = 0;
  for (const m of matches) {
    out += `${text.slice(last, m.start)}[REDACTED:${m.kind}]`;
    last = m.end;
  }
  return { text: out + text.slice(last), found: matches.map((m) => m.kind) };
}

/** The kind of secret a key's value is, whatever the value looks like (`"password": "x"`). */
export function secretKindOfKey(key: string): SecretKind | null {
  if (/(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)$/i.test(key)) return "aws_secret_key";
  if (/(?:password|passwd|passphrase)s?$/i.test(key)) return "password";
  if (/^(?:proxy-)?authorization$/i.test(key)) return "bearer_token";
  if (/^anthropic_(?:api_key|auth_token)$/i.test(key)) return "anthropic_api_key";
  if (/^openai_api_key$/i.test(key)) return "openai_api_key";
  return null;
}

export interface Redaction {
  value: unknown;
  found: Set<SecretKind>;
  /** True when part of the value was too deep or too large to scan (it is copied unscanned). */
  incomplete: boolean;
}

const MAX_DEPTH = 64;
const MAX_CHARS = 1_000_000;

/**
 * A copy of JSON-like `value` with secrets redacted in every string, keys included (a key
 * that would then clash with another gets a `#<n>` suffix). The copy is built from plain
 * literals and never has a `__proto__` key or a `constructor.prototype` pair.
 */
export function redactData(value: unknown, kinds: ReadonlySet<SecretKind>): Redaction {
  const found = new Set<SecretKind>();
  let budget = MAX_CHARS;
  let incomplete = false;
  const redactString = (text: string, keyKind: SecretKind | null): string => {
    if (text.length > budget) {
      incomplete = true;
      return text;
    }
    budget -= text.length;
    const r = redactText(text, kinds);
    r.found.forEach((k) => found.add(k));
    if (r.found.length > 0 || keyKind === null || !kinds.has(keyKind) || text.trim() === "" || PLACEHOLDER.test(text.trim())) return r.text;
    found.add(keyKind);
    // Keep an Authorization header's scheme (`Basic`), redact the credentials.
    const scheme = keyKind === "bearer_token" ? (/^\s*[A-Za-z]{1,20}\s+(?=\S)/.exec(text)?.[0] ?? "") : "";
    return `${scheme}[REDACTED:${keyKind}]`;
  };
  const visit = (node: unknown, key: string, depth: number): unknown => {
    if (typeof node === "string") return redactString(node, secretKindOfKey(key));
    if (node === null || typeof node !== "object") return node;
    if (depth >= MAX_DEPTH) {
      incomplete = true;
      return node;
    }
    if (Array.isArray(node)) return node.map((item) => visit(item, key, depth + 1));
    const out: Record<string, unknown> = {};
    // One counter per object, so that renaming stays linear in its keys.
    let clashes = 1;
    for (const [k, item] of Object.entries(node)) {
      if (k === "__proto__" || (k === "prototype" && key === "constructor")) continue;
      const redacted = redactString(k, null);
      let name = redacted;
      while (name !== k && (Object.hasOwn(node, name) || Object.hasOwn(out, name))) name = `${redacted}#${++clashes}`;
      out[name] = visit(item, k, depth + 1);
    }
    return out;
  };
  return { value: visit(value, "", 0), found, incomplete };
}
