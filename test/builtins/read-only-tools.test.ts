// read_only's default write_tools: every tool named for a write is denied, in any case and
// naming scheme (issue 16: Claude Code's Write and Edit were not).
import { describe, expect, it } from "vitest";
import { verdict, toolCall } from "../helpers/builtins.ts";

describe("read_only: write tools by name", () => {
  it.each([
    // Claude Code's own tools, and their case variants
    "Write", "Edit", "MultiEdit", "NotebookEdit", "write", "edit", "WRITE", "EDIT", "multiedit", "notebookedit", "multi_edit", "notebook_edit",
    // bare verbs and other agents' tools
    "replace", "create", "delete", "remove", "move", "rename", "copy", "patch", "apply_patch", "str_replace_editor", "str_replace_based_edit_tool",
    "mkdir", "touch", "save", "upload", "append",
    // snake, camel, kebab, dotted and MCP-prefixed spellings
    "write_file", "writeFile", "WriteFile", "file-write", "fs.write", "fs.writeFile", "edit_file", "editFile", "create_directory",
    "delete_file", "file_delete", "move_file", "mcp__filesystem__write_file", "mcp__filesystem__edit_file", "mcp__fs__create_directory",
    "mcp__filesystem__move_file", "mcp__notes__delete", "mcp__x__apply_patch", "notes_update", "git_commit", "git_push",
  ])("%s → DENY", async (tool) => {
    expect(await verdict("read_only", {}, toolCall(tool, { path: "x" }))).toBe("DENY");
  });

  it.each(["Read", "read_file", "Glob", "Grep", "LS", "WebFetch", "WebSearch", "TodoWrite", "list_directory", "mcp__filesystem__read_file", "search_files", "get_file_info", "view"])(
    "%s → no opinion (not a write by name)",
    async (tool) => {
      expect(await verdict("read_only", {}, toolCall(tool, { path: "x" }))).toBeNull();
    },
  );

  it("matches a binding's own write_tools case-insensitively", async () => {
    expect(await verdict("read_only", { write_tools: ["Save*"] }, toolCall("SAVE_NOTE", {}))).toBe("DENY");
    expect(await verdict("read_only", { write_tools: ["save"] }, toolCall("Write", {}))).toBeNull();
  });
});
