// path_guard in the real sandbox.
import { describe, expect, it } from "vitest";
import { run, toolCall, verdict } from "../helpers/builtins.ts";
import { tooDeep } from "../helpers/nesting.ts";

const ROOTS = { allowed_roots: ["/data", "~/work"] };
const read = (args: Record<string, unknown>) => toolCall("read_file", args);

describe("path_guard", () => {
  it.each([
    ["a path inside a root", { path: "/data/x.csv" }, "ALLOW"],
    ["the root itself", { path: "/data" }, "ALLOW"],
    ["a trailing slash", { path: "/data/" }, "ALLOW"],
    ["/data/./x", { path: "/data/./x" }, "ALLOW"],
    ["duplicate slashes", { path: "//data///x" }, "ALLOW"],
    ["a .. that stays inside", { path: "/data/a/../b" }, "ALLOW"],
    ["~ under home", { path: "~/work/notes.md" }, "ALLOW"],
    ["/data/../etc/passwd escapes", { path: "/data/../etc/passwd" }, "DENY"],
    ["/data/./../etc escapes", { path: "/data/./../etc" }, "DENY"],
    ["/database is not inside /data", { path: "/database/x" }, "DENY"],
    ["/data-backup is not inside /data", { path: "/data-backup" }, "DENY"],
    ["an absolute path elsewhere", { file_path: "/etc/shadow" }, "DENY"],
    ["~ outside the roots", { path: "~/.ssh/id_rsa" }, "DENY"],
    ["~/work/../.ssh escapes", { path: "~/work/../.ssh/id_rsa" }, "DENY"],
    ["a file: URL", { path: "file:///etc/passwd" }, "DENY"],
    ["one bad path among good ones", { paths: ["/data/a", "/data/b", "/etc/hosts"] }, "DENY"],
    ["a nested path argument", { edits: [{ file: "/data/a" }, { file: "/root/.bashrc" }] }, "DENY"],
    ["a destination outside", { source: "/data/a", destination: "/tmp/a" }, "DENY"],
    ["a camelCase key", { outputPath: "/var/www/x" }, "DENY"],
    ["a relative path with cwd inside", { cwd: "/data/proj", path: "src/a.ts" }, "ALLOW"],
    ["a relative path climbing out of cwd", { cwd: "/data/proj", path: "../../etc/passwd" }, "DENY"],
    ["a cwd outside the roots", { cwd: "/etc", path: "passwd" }, "DENY"],
    ["a cwd given with ~", { cwd: "~/work", path: "./a" }, "ALLOW"],
    ["a relative path and no cwd: ASK, cannot decide safely", { path: "notes.txt" }, "ASK"],
    ["~user: ASK, cannot decide safely", { path: "~root/.ssh" }, "ASK"],
    ["backslashes: a Windows path, DENY", { path: "/data/..\\..\\etc" }, "DENY"],
    ["a control character: ASK, cannot decide safely", { path: "/data/x\n/../../etc" }, "ASK"],
    ["no path arguments", { query: "cat /etc/passwd" }, null],
    ["code in a source argument is not a path", { source: "print(open('/etc/passwd').read())" }, null],
    ["a URL in a target argument is not a path", { target: "https://example.com/a/b" }, null],
  ])("%s", async (_, args, result) => {
    expect(await verdict("path_guard", ROOTS, read(args))).toBe(result);
  });

  // Windows paths are outside every POSIX root, even `/`: a tool on Windows reads them
  // against its own drives.
  it.each([
    "C:/Windows/System32/config", "c:\\temp\\x", "C:\\", "c:", "D:relative", "a/../C:/x", "/data/C:/x", "/data/../C:/Windows",
    "..\\etc\\passwd", "subdir/..\\escape", "\\\\server\\share\\x", "/data\\..\\..\\etc", "file:///C:/Windows", "file://C:/Windows", "file:///c:%5Cwindows", "~/work\\..\\..\\x",
  ])("a Windows path is denied: %s", async (path) => {
    for (const roots of [ROOTS, { allowed_roots: ["/"] }]) {
      expect(await verdict("path_guard", { ...roots, default_cwd: "/data" }, read({ path }))).toBe("DENY");
      expect(await verdict("path_guard", roots, read({ cwd: "/data", file_path: path }))).toBe("DENY");
    }
  });

  it("denies a cwd that is a Windows path", async () => {
    expect(await verdict("path_guard", ROOTS, read({ cwd: "C:\\data", path: "x" }))).toBe("DENY");
  });

  it("names the resolved path in its reason", async () => {
    expect((await run("path_guard", ROOTS, read({ path: "/data/../etc/passwd" }))).reason).toBe("Path /etc/passwd (/path) is outside the allowed directories.");
  });

  it("uses the home and default_cwd params", async () => {
    expect(await verdict("path_guard", { ...ROOTS, home: "/users/me" }, read({ path: "~/work/a" }))).toBe("ALLOW");
    expect(await verdict("path_guard", { ...ROOTS, home: "/users/me" }, read({ path: "/home/agent/work/a" }))).toBe("DENY");
    expect(await verdict("path_guard", { ...ROOTS, default_cwd: "/data" }, read({ path: "notes.txt" }))).toBe("ALLOW");
    expect(await verdict("path_guard", { ...ROOTS, default_cwd: "/data" }, read({ path: "../notes.txt" }))).toBe("DENY");
  });

  it("with write_only checks only tools that write", async () => {
    const params = { ...ROOTS, write_only: true };
    expect(await verdict("path_guard", params, toolCall("read_file", { path: "/etc/passwd" }))).toBeNull();
    expect(await verdict("path_guard", params, toolCall("write_file", { path: "/etc/passwd" }))).toBe("DENY");
    expect(await verdict("path_guard", params, toolCall("str_replace_based_edit_tool", { path: "/data/a" }))).toBe("ALLOW");
    expect(await verdict("path_guard", params, toolCall("fs.delete", { path: "/etc" }))).toBe("DENY");
  });

  it("ASKs when arguments are too deeply nested to read (cannot decide safely)", async () => {
    expect(await verdict("path_guard", ROOTS, read({ path: "/data/a", deep: tooDeep({ path: "/etc/passwd" }) }))).toBe("ASK");
  });

  it("abstains on other events, and refuses relative roots", async () => {
    expect(await verdict("path_guard", ROOTS, { type: "request", data: { user_content: "/etc/passwd" } })).toBeNull();
    await expect(run("path_guard", { allowed_roots: ["data"] }, read({}))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
    await expect(run("path_guard", { allowed_roots: ["/data"], home: "~" }, read({}))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
  });
});
