// Finding the text a policy should look at: every string inside tool arguments, and the text
// of requests and LLM messages. Bounded, so a huge or deeply nested event costs little — and
// the walk says when it left something out, so a policy can ASK rather than allow text it did
// not see.

export const MAX_STRINGS = 10_000;
export const MAX_DEPTH = 32;
/** Most characters of text a policy scans per event: about the default event size limit. */
export const MAX_SCAN_CHARS = 1_000_000;

/** A string found in a value: a string value, or an object key. */
export interface StringAt {
  /** Where it is, like `/headers/0/url`, for reasons (a key has the path of its value). */
  path: string;
  text: string;
  /** The nearest object key above it, through arrays and numeric keys, which are arrays in
   *  some serialisations (`url` for `{url: ["…"]}` and `{url: {"0": "…"}}`); "" at the top. */
  key: string;
  isKey: boolean;
}

export interface Strings {
  /** Every string, keys included, up to the limits. */
  strings: StringAt[];
  /** False when some text was left out: too many strings, too deep, or past `maxChars`. */
  complete: boolean;
}

export function stringsIn(value: unknown, maxChars = MAX_SCAN_CHARS): Strings {
  const strings: StringAt[] = [];
  let complete = true;
  let chars = 0;
  const keep = (found: StringAt): void => {
    if (strings.length >= MAX_STRINGS || chars + found.text.length > maxChars) complete = false;
    else {
      chars += found.text.length;
      strings.push(found);
    }
  };
  const visit = (node: unknown, path: string, key: string, depth: number): void => {
    if (typeof node === "string") keep({ path, text: node, key, isKey: false });
    else if (node === null || typeof node !== "object") return;
    // Deeper than the limit, anything that is not empty might hide text: not looked at, so
    // not complete.
    else if (depth >= MAX_DEPTH) {
      if (Object.keys(node).length > 0) complete = false;
    } else if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${path}/${i}`, key, depth + 1));
    else {
      for (const [k, item] of Object.entries(node)) {
        keep({ path: `${path}/${k}`, text: k, key, isKey: true });
        visit(item, `${path}/${k}`, /^\d*$/.test(k) ? key : k, depth + 1);
      }
    }
  };
  visit(value, "", "", 0);
  return { strings, complete };
}

