// The tools read_only denies by name unless a binding lists its own: every tool named for a
// write, however the name is spelled. Claude Code's Write, Edit, MultiEdit and NotebookEdit,
// bare verbs (`write`, `edit`, Gemini CLI's `replace`), snake, camel and kebab case
// (`write_file`, `writeFile`, `file-write`), and tools behind an MCP server's prefix
// (`mcp__filesystem__write_file`). Names match case-insensitively (lib/glob.ts), so `Write`,
// `write` and `WRITE` are one name. A read tool whose name starts with one of these verbs is
// denied too: read_only errs on the side of not writing.

const VERBS = [
  "write", "edit", "create", "delete", "remove", "move", "rename", "copy", "update", "patch", "insert", "append", "replace", "upload",
  "push", "merge", "commit", "mkdir", "rmdir", "unlink", "touch", "save",
];

export const DEFAULT_WRITE_TOOLS = [
  ...VERBS.flatMap((v) => [`${v}*`, `*_${v}`, `*-${v}`, `*__${v}*`, `*.${v}*`]),
  "str_replace*", "*str_replace*", "apply_patch", "*__apply_patch", "multi_edit", "multiedit", "notebook_edit", "notebookedit", "make_directory",
];
