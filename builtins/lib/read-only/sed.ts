// Reading a sed command for what it does besides printing: its scripts are found among its
// options (sedScripts), and in a script the `w` and `W` commands write files, `e` runs a
// command, and so do the `w` and `e` flags of `s`. Addresses, patterns and replacements are
// skipped whatever their delimiter, so `s/warning/error/` is not a `w`.
import { operands } from "../shell-call.ts";

/** True when the sed script may write a file or run a command. */
export function sedWrites(script: string): boolean {
  const t = script;
  let i = 0;
  // Past a delimited part (`/re/`, `\%re%`, an s pattern): the index after its closing delimiter.
  const delimited = (from: number, d: string) => {
    let k = from;
    while (k < t.length && t[k] !== d && t[k] !== "\n") k += t[k] === "\\" ? 2 : 1;
    return k + 1;
  };
  const toEnd = (from: number, stops: string) => {
    let k = from;
    while (k < t.length && !stops.includes(t[k]!)) k++;
    return k;
  };
  while (i < t.length) {
    const c = t[i]!;
    if (" \t\n;{}!,0123456789$~+".includes(c)) i++;
    else if (c === "/") i = delimited(i + 1, "/");
    else if (c === "\\") i = delimited(i + 2, t[i + 1] ?? "");
    else if (c === "s" || c === "y") {
      const d = t[i + 1] ?? "";
      i = delimited(delimited(i + 2, d), d);
      if (c === "s") {
        const end = toEnd(i, ";}\n");
        if (/[ew]/.test(t.slice(i, end))) return true;
        i = end;
      }
    } else if ("wWe".includes(c)) return true;
    // Commands whose argument runs to the end of the line (text, file names) or to `;` (labels).
    else if ("aicrR".includes(c)) i = toEnd(i + 1, "\n");
    else if ("btT:".includes(c)) i = toEnd(i + 1, ";\n");
    else i++;
  }
  return false;
}

/** The scripts of a sed command (-e, --expression, else the first operand); null when one is in a file (-f). */
export function sedScripts(argv: readonly string[]): string[] | null {
  const scripts: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === "--") break;
    if (t.startsWith("--")) {
      const [name, value] = t.includes("=") ? [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)] : [t, undefined];
      if (name === "--file") return null;
      if (name === "--expression") scripts.push(value ?? argv[++i] ?? "");
      else if (name === "--line-length" && value === undefined) i++;
    } else if (t.startsWith("-")) {
      for (let k = 1; k < t.length; k++) {
        if (t[k] === "f") return null;
        if (t[k] !== "e" && t[k] !== "l") continue;
        const value = k < t.length - 1 ? t.slice(k + 1) : argv[++i] ?? "";
        if (t[k] === "e") scripts.push(value);
        break;
      }
    }
  }
  return scripts.length > 0 ? scripts : operands(argv, ["-l", "--line-length"]).slice(0, 1);
}
