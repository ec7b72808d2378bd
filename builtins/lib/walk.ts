// Finding the text a policy should look at: every string inside tool arguments, and the text
// of requests and LLM messages. Bounded, so a huge or deeply nested event costs little — and
// the walk says when it left something out, so a policy can ASK rather than allow text it did
// not see.

export const MAX_STRINGS = 10_000;
export const MAX_DEPTH = 32;
/** Most characters of text a policy scans per event: about the default event size limit. */
export const MAX_SCAN_CHARS = 1_000_000;

export interface Strings {
  /** Every string (keys included) with its path like `/headers/0/url`, up to the limits. */
  strings: { path: string; text: string }[];
  /** False when some text was left out: too many strings, too deep, or past `maxChars`. */
  complete: boolean;
}

export function stringsIn(value: unknown, maxChars = MAX_SCAN_CHARS): Strings {
  const strings: Strings["strings"] = [];
  let complete = true;
  let chars = 0;
  const keep = (path: string, text: string): void => {
    if (strings.length >= MAX_STRINGS || chars + text.length > maxChars) complete = false;
    else {
      chars += text.length;
      strings.push({ path, text });
    }
  };
  const visit = (node: unknown, path: string, depth: number): void => {
    if (typeof node === "string") keep(path, node);
    else if (node === null || typeof node !== "object") return;
    // Deeper than the limit, anything that is not empty might hide text: not looked at, so
    // not complete.
    else if (depth >= MAX_DEPTH) {
      if (Object.keys(node).length > 0) complete = false;
    } else if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${path}/${i}`, depth + 1));
    else {
      for (const [key, item] of Object.entries(node)) {
        keep(`${path}/${key}#key`, key);
        visit(item, `${path}/${key}`, depth + 1);
      }
    }
  };
  visit(value, "", 0);
  return { strings, complete };
}

