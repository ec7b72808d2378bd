import { describe, expect, it } from "vitest";
import { run, toolCall, verdict } from "../helpers/builtins.ts";

describe("block_tools, allow_tools, ask_tools", () => {
  it.each([
    ["block_tools", { tools: ["shell_*", "Delete?File"] }, "shell_exec", "DENY"],
    ["block_tools", { tools: ["shell_*"] }, "SHELL_EXEC", "DENY"],
    ["block_tools", { tools: ["shell_*"] }, "myshell_exec", null],
    ["block_tools", { tools: ["delete?file"] }, "deleteXfile", "DENY"],
    ["block_tools", { tools: ["a.b"] }, "aXb", null],
    ["allow_tools", { tools: ["search", "read_*"] }, "read_file", "ALLOW"],
    ["allow_tools", { tools: ["search", "read_*"] }, "write_file", "DENY"],
    ["ask_tools", { tools: ["deploy*"] }, "deploy_prod", "ASK"],
    ["ask_tools", { tools: ["deploy*"] }, "search", null],
  ] as const)("%s %j on %s → %s", async (name, params, tool, result) => {
    expect(await verdict(name, { ...params }, toolCall(tool))).toBe(result);
  });

  it("uses the given reason, and abstains on other event types", async () => {
    expect((await run("block_tools", { tools: ["x"], reason: "nope" }, toolCall("x"))).reason).toBe("nope");
    expect(await verdict("allow_tools", { tools: ["x"] }, { type: "response", data: { content: "x" } })).toBeNull();
  });

  it("refuses params that do not match the schema", async () => {
    await expect(run("block_tools", { tools: [] }, toolCall("x"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
    await expect(run("block_tools", {}, toolCall("x"))).rejects.toMatchObject({ code: "PAL_PARAMS_INVALID" });
  });
});
