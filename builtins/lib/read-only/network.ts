// curl and wget under read_only: whether a call saves a file or sends data, read from its
// options the way each program reads them.
import { hasFlag } from "../shell-call.ts";
import type { SimpleCommand } from "../shell/index.ts";
import { sink } from "../system-paths.ts";

// curl's one-letter options that take a value (the rest of a cluster, or the next word).
const CURL_VALUE = "AbcCdDeEFHKmoPQrtTuUwxXyYz";
const CURL_OUT = ["--output", "--dump-header", "--cookie-jar", "--upload-file", "--trace", "--trace-ascii", "--stderr", "--output-dir"];

export function curlWrites(c: SimpleCommand): boolean {
  const a = c.argv;
  const get = hasFlag(a, "G", ["--get"]);
  const toFile = (v: string) => v !== "-" && !sink(v);
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!;
    if (t.startsWith("--")) {
      const eq = t.indexOf("=");
      const name = eq < 0 ? t : t.slice(0, eq);
      const value = eq < 0 ? (a[i + 1] ?? "") : t.slice(eq + 1);
      if ((CURL_OUT.includes(name) && toFile(value)) || ["--remote-name", "--remote-name-all", "--remote-header-name"].includes(name)) return true;
      if ((/^--(data|form|json)/.test(name) && !get) || (name === "--request" && !/^(GET|HEAD)$/i.test(value))) return true;
    } else if (t.startsWith("-") && t.length > 1) {
      for (let k = 1; k < t.length; k++) {
        const ch = t[k]!;
        if (ch === "O" || ch === "J") return true;
        if (!CURL_VALUE.includes(ch)) continue;
        const value = k < t.length - 1 ? t.slice(k + 1) : (a[++i] ?? "");
        if (("oDcT".includes(ch) && toFile(value)) || ("dF".includes(ch) && !get) || (ch === "X" && !/^(GET|HEAD)$/i.test(value))) return true;
        break;
      }
    }
  }
  return false;
}

export function wgetWrites(c: SimpleCommand): boolean {
  const a = c.argv;
  if (a.some((t) => t === "--spider" || /^--(post-data|post-file|body-data|body-file)/.test(t) || (/^--method=/.test(t) && !/=(GET|HEAD)$/i.test(t)))) return !a.includes("--spider");
  for (let i = 1; i < a.length; i++) {
    const t = a[i]!;
    const v = t === "-O" || t === "--output-document" ? a[i + 1] : t.startsWith("--output-document=") ? t.slice(18) : /^-[a-zA-Z]*O./.test(t) ? t.slice(t.indexOf("O") + 1) : /^-[a-zA-Z]*O$/.test(t) ? a[i + 1] : undefined;
    if (v !== undefined) return !(v === "-" || sink(v));
  }
  return true;
}
