// npm pack's prepack and postpack: the repository runs its TypeScript sources directly, but
// Node does not strip types under node_modules, so the packed package.json must point
// `exports` at the compiled dist/ (with declarations). The bin, bin/palisade, finds dist/ itself. `pack` saves package.json and
// writes the packed one; `restore` puts the saved one back. npm runs postpack after a pack that
// succeeded; after one that failed, run `node scripts/manifest.ts restore` by hand.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

const MANIFEST = new URL("../package.json", import.meta.url);
const SAVED = new URL("../package.json.source", import.meta.url);

type Manifest = { exports: Record<string, string>; [key: string]: unknown };

// ./sdk/index.ts → ./dist/sdk/index
const built = (source: string) => `./dist/${source.replace(/^\.\//, "").replace(/\.ts$/, "")}`;

export function packed(manifest: Manifest): Manifest {
  return {
    ...manifest,
    exports: Object.fromEntries(Object.entries(manifest.exports).map(([entry, source]) => [entry, { types: `${built(source)}.d.ts`, default: `${built(source)}.js` }])) as unknown as Record<string, string>,
  };
}

const command = process.argv[2];
if (command === "pack") {
  const text = readFileSync(MANIFEST, "utf8");
  writeFileSync(SAVED, text);
  writeFileSync(MANIFEST, `${JSON.stringify(packed(JSON.parse(text) as Manifest), null, 2)}\n`);
} else if (command === "restore") {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
} else {
  throw new Error("usage: node scripts/manifest.ts pack|restore");
}
