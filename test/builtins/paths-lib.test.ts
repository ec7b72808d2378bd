// builtins/lib/paths.ts, run directly.
import { describe, expect, it } from "vitest";
import { isInside, normalizePath, pathArguments, resolvePath } from "../../builtins/lib/paths.ts";

describe("normalizePath", () => {
  it.each([
    ["/data/./x", "/data/x"],
    ["/data/../etc/passwd", "/etc/passwd"],
    ["//data///x//", "/data/x"],
    ["/data/x/", "/data/x"],
    ["/../../etc", "/etc"],
    ["/data/a/b/../../c", "/data/c"],
    ["/data/..hidden", "/data/..hidden"],
    ["/data/...", "/data/..."],
    ["/", "/"],
  ])("%s → %s", (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });
});

describe("resolvePath", () => {
  const home = "/home/agent";
  it.each([
    ["~", undefined, { path: "/home/agent" }],
    ["~/notes/../x", undefined, { path: "/home/agent/x" }],
    ["~/../../etc", undefined, { path: "/etc" }],
    ["x/../../y", "/data/work", { path: "/data/y" }],
    ["./a.txt", "/data", { path: "/data/a.txt" }],
    ["file:///etc/passwd", undefined, { path: "/etc/passwd" }],
    ["file://localhost/data/a%20b", undefined, { path: "/data/a b" }],
    ["b.c://../../../etc/passwd", "/data/p", { path: "/etc/passwd" }],
    ["a://../../../etc/passwd — drive A: on Windows", "/data/p", { outside: "a Windows path (a drive letter or backslashes)" }],
    ["https://example.com/data", undefined, { undecidable: "a relative path and no working directory" }],
    ["a.txt", undefined, { undecidable: "a relative path and no working directory" }],
    ["~root/.ssh", undefined, { undecidable: "another user's home directory (~user)" }],
    ["..\\..\\etc", "/data", { outside: "a Windows path (a drive letter or backslashes)" }],
    ["C:/Windows/System32", "/data", { outside: "a Windows path (a drive letter or backslashes)" }],
    ["a/../C:/x", "/data", { outside: "a Windows path (a drive letter or backslashes)" }],
    ["/data/x\u0000/../../etc", undefined, { undecidable: "control characters in a path" }],
    ["file://server/share", undefined, { undecidable: "a file: URL without an absolute path" }],
  ])("%s (cwd %s)", (value, cwd, expected) => {
    expect(resolvePath(value.split(" — ")[0]!, home, cwd)).toEqual(expected);
  });
});

describe("isInside", () => {
  it.each([
    ["/data", "/data", true],
    ["/data/x", "/data", true],
    ["/database", "/data", false],
    ["/data-old/x", "/data", false],
    ["/etc", "/", true],
    ["/dat", "/data", false],
  ] as const)("%s in %s → %s", (path, root, expected) => {
    expect(isInside(path, root)).toBe(expected);
  });
});

describe("pathArguments", () => {
  it("takes path-named keys at any depth, and source/target only when they look like paths", () => {
    const args = {
      path: "/a",
      filePath: "/b",
      output_dir: "out",
      paths: ["/c", "/d"],
      edits: [{ file: "/e", content: "/not/a/path/key" }],
      source: "print(1)",
      target: "../f",
      dest: "backup/g.tar",
      src: "https://example.com/x",
      "/h": "key names are not paths",
      command: "cat /etc/passwd",
      empty: { path: "" },
    };
    expect(pathArguments(args).paths.map((p) => `${p.at}=${p.value}`)).toEqual([
      "/path=/a", "/filePath=/b", "/output_dir=out", "/paths/0=/c", "/paths/1=/d", "/edits/0/file=/e", "/target=../f", "/dest=backup/g.tar",
    ]);
  });
});
