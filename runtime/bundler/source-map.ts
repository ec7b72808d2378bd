// Maps a position in a bundle back to the author's file, with Node's built-in source-map
// reader, so errors point at what the author wrote.
import { SourceMap } from "node:module";
import type { SourceLocation } from "../../sdk/index.ts";

export class BundleMap {
  readonly #json: string;
  #map: SourceMap | undefined;

  constructor(json: string) {
    this.#json = json;
  }

  /** `line` and `column` are 1-based, as in V8 stack traces; so is the answer. */
  original(line: number, column: number): SourceLocation | undefined {
    try {
      this.#map ??= new SourceMap(JSON.parse(this.#json) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      return undefined; // a bundle passed in with a broken map: errors just lose their location
    }
    const entry = this.#map.findEntry(line - 1, column - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
    return { file: entry.originalSource.replace(/^upload:/, ""), line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  }
}
