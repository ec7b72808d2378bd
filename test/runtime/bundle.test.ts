import { describe, expect, it } from "vitest";
import { bundle, sourceFileName } from "../../runtime/bundler/bundle.ts";

const MiB = 1024 * 1024;

async function failure(input: Parameters<typeof bundle>[1], max = MiB) {
  const result = await bundle("myorg.policies", input, max, "t");
  if (result.ok) throw new Error("expected the bundle to fail");
  return result;
}

describe("bundle", () => {
  it("bundles one TypeScript source into one script with a sha256, a size and a source map", async () => {
    const result = await bundle("myorg.policies", { source: "export const f = (x: number): number => x + 1;\nexport const POLICY_REGISTRY = [];\n" }, MiB, "t");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.code).toContain("__palisade_exports");
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.bundle_bytes).toBe(Buffer.byteLength(result.code));
    expect(JSON.parse(result.map).sources).toEqual(["upload:myorg/policies.ts"]);
  });

  it("is deterministic: the same source gives the same sha256", async () => {
    const a = await bundle("m", { source: "export const x = 1;" }, MiB, "t");
    const b = await bundle("m", { source: "export const x = 1;" }, MiB, "t");
    expect(a.ok && b.ok && a.sha256 === b.sha256).toBe(true);
  });

  it("bundles several files and resolves relative imports with or without extensions", async () => {
    const result = await bundle("m", {
      entry: "src/main.ts",
      files: { "src/main.ts": "import { y } from './lib/util';\nimport data from '../data.json';\nexport const x = y + data.n;", "src/lib/util.ts": "export const y = 1;", "data.json": "{\"n\": 2}" },
    }, MiB, "t");
    expect(result.ok).toBe(true);
  });

  it("drops type-only imports of palisade/sdk", async () => {
    const result = await bundle("m", { source: 'import type { PolicyEvent } from "palisade/sdk";\nexport const f = (e: PolicyEvent) => null;' }, MiB, "t");
    expect(result.ok).toBe(true);
  });

  it("reports syntax errors at the author's file, line and 1-based column", async () => {
    const { reason, errors } = await failure({ source: "export const a = 1;\nexport const b = ;\n" });
    expect(reason).toBe("compile");
    expect(errors[0]).toMatchObject({ file: "myorg/policies.ts", line: 2, column: 18, lineText: "export const b = ;" });
  });

  it("counts columns in characters, not bytes, after non-ASCII text", async () => {
    const { errors } = await failure({ source: "const s = 'ééé'; const t = ;" });
    expect(errors[0]).toMatchObject({ line: 1, column: 28 });
  });

  it("reports errors inside imported files with that file's name", async () => {
    const { errors } = await failure({ entry: "a.ts", files: { "a.ts": "import { y } from './b';\nexport const x = y;", "b.ts": "\n\nexport const y = (;" } });
    expect(errors[0]).toMatchObject({ file: "b.ts", line: 3 });
  });

  it.each([["fs"], ["node:fs"], ["http"], ["child_process"], ["lodash"], ["palisade/runtime"]])(
    "refuses to import %s: nothing outside the upload resolves",
    async (specifier) => {
      const { reason, errors } = await failure({ source: `import * as m from "${specifier}";\nexport const x = m;` });
      expect(reason).toBe("compile");
      expect(errors[0]!.message).toContain(`Cannot import "${specifier}"`);
      expect(errors[0]).toMatchObject({ file: "myorg/policies.ts", line: 1 });
    },
  );

  it("refuses require() and dynamic import() of built-ins too", async () => {
    const { errors } = await failure({ source: "const cp = require('child_process');\nexport const h = import('http');\nexport const c = cp;" });
    expect(errors.map((e) => e.line)).toEqual([1, 2]);
  });

  it("refuses a missing relative file", async () => {
    const { errors } = await failure({ source: "import { y } from './nope';\nexport const x = y;" });
    expect(errors[0]!.message).toBe('Cannot import "./nope": no such file in the upload');
  });

  it("refuses imports that climb out of the upload", async () => {
    const { errors } = await failure({ entry: "a.ts", files: { "a.ts": "import { y } from '../../etc/passwd';\nexport const x = y;" } });
    expect(errors[0]!.message).toContain("no such file in the upload");
  });

  it("refuses file paths that are absolute or climb out, and an entry that is not uploaded", async () => {
    const { reason, errors } = await failure({ entry: "main.ts", files: { "/abs.ts": "", "../up.ts": "", "x.py": "" } });
    expect(reason).toBe("invalid");
    expect(errors.map((e) => e.message)).toEqual([
      'file path "/abs.ts" must be relative and stay inside the upload',
      'file path "../up.ts" must be relative and stay inside the upload',
      'file "x.py" has an unsupported extension (use .ts, .js, .mjs or .json)',
      'entry "main.ts" is not one of the uploaded files',
    ]);
  });

  it("refuses a bundle over max_bundle_bytes", async () => {
    const { reason, errors } = await failure({ source: `export const s = "${"x".repeat(5000)}";` }, 4000);
    expect(reason).toBe("bundle_too_large");
    expect(errors[0]!.message).toMatch(/^bundle is \d+ bytes; max_bundle_bytes is 4000$/);
  });

  it("refuses sources over 4 × max_bundle_bytes before bundling", async () => {
    const { reason } = await failure({ source: `// ${"x".repeat(20_000)}\nexport const s = 1;` }, 4000);
    expect(reason).toBe("source_too_large");
  });

  it("bundles the upload, never a file on disk, when the module's name matches a path from the cwd", async () => {
    const result = await bundle("runtime.index", { source: "export const mine = 1;" }, MiB, "t");
    expect(result.ok && result.code).toContain("mine");
    expect(result.ok && result.code).not.toContain("createRuntime");
  });

  it("names a single source after its module", () => {
    expect(sourceFileName("myorg.policies")).toBe("myorg/policies.ts");
  });
});
