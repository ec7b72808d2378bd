import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinsMarkdown, END, START } from "../../builtins/docs.ts";
import { builtins } from "../helpers/builtins.ts";

describe("README's builtins section", () => {
  it("is what the registry says (run npm run docs:builtins after changing a builtin)", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    expect(section).toBe(builtinsMarkdown((await builtins()).policies));
  });
});
