// How deeply a source file nests brackets, found before esbuild sees it: esbuild's parser
// recurses on nesting, and deep enough input (about 200,000 levels) crashes its process for
// every upload of every tenant. Real code never nests a thousand levels deep.
//
// The scan skips comments and string and template text, roughly: a `/` that starts a regular
// expression is read as division, so a regexp full of brackets can count as nesting. That
// errs on the side of refusing, with a message that says where.

/** The deepest nesting allowed in an uploaded file. */
export const MAX_SOURCE_NESTING = 1000;

/** Where `text` first nests deeper than `max` brackets, as a 1-based line and column; or null. */
export function tooDeep(text: string, max = MAX_SOURCE_NESTING): { line: number; column: number } | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      line++;
      lineStart = i + 1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      i--;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let j = i; j < stop; j++) if (text[j] === "\n") (line++, (lineStart = j + 1));
      i = stop - 1;
    } else if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === "\\") i++;
        else if (text[i] === "\n") (line++, (lineStart = i + 1));
      }
    } else if (c === "(" || c === "[" || c === "{") {
      if (++depth > max) return { line, column: i - lineStart + 1 };
    } else if (c === ")" || c === "]" || c === "}") depth--;
  }
  return null;
}
