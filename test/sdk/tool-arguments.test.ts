// Tool-call arguments sent as JSON text (OpenAI's wire shape) are parsed once, at the door.
import { describe, expect, it } from "vitest";
import { parseToolArguments } from "../../sdk/tool-arguments.ts";

const call = (args: unknown) => ({ type: "tool_call", data: { name: "fetch", arguments: args } });

describe("parseToolArguments", () => {
  it("parses JSON text of an object, without touching its input", () => {
    const input = call('{"url": "https://evil.com", "n": [1, 2]}');
    expect(parseToolArguments(input)).toEqual(call({ url: "https://evil.com", n: [1, 2] }));
    expect(input.data.arguments).toBe('{"url": "https://evil.com", "n": [1, 2]}');
  });

  it("parses each string in an llm_response's tool_calls and leaves objects alone", () => {
    const event = { type: "llm_response", data: { model: "m", content: "", tool_calls: [{ name: "a", arguments: '{"x":1}' }, { name: "b", arguments: { y: 2 } }] } };
    expect(parseToolArguments(event)).toEqual({ ...event, data: { ...event.data, tool_calls: [{ name: "a", arguments: { x: 1 } }, { name: "b", arguments: { y: 2 } }] } });
  });

  it("returns objects and other event types as they came", () => {
    const same = call({ url: "x" });
    expect(parseToolArguments(same)).toBe(same);
    const other = { type: "response", data: { content: '{"a":1}' } };
    expect(parseToolArguments(other)).toBe(other);
    expect(parseToolArguments("not an event")).toBe("not an event");
  });

  it.each([
    ["text that is not JSON", "{url: x}", "/data/arguments is a string that is not JSON"],
    ["JSON of an array", "[1,2]", "/data/arguments is JSON text of an array, not of an object"],
    ["JSON of a string", '"hi"', "/data/arguments is JSON text of a string, not of an object"],
    ["JSON null", "null", "/data/arguments is JSON text of null, not of an object"],
    ["a __proto__ key", '{"__proto__": {"admin": true}}', "/data/arguments is a string that is not JSON"],
    ["nesting past 64 levels", `${"[".repeat(65)}${"]".repeat(65)}`, "/data/arguments nests deeper than 64 levels"],
  ])("refuses %s, naming the field and the fix", (_what, text, message) => {
    expect(() => parseToolArguments(call(text))).toThrow(expect.objectContaining({ code: "PAL_EVENT_INVALID", message: expect.stringContaining(message) }));
    expect(() => parseToolArguments(call(text))).toThrow(/Fix: send \/data\/arguments as an object, or as JSON text of an object/);
  });

  it("names the index of a bad tool call in an llm_response", () => {
    const event = { type: "llm_response", data: { model: "m", content: "", tool_calls: [{ name: "a", arguments: "{}" }, { name: "b", arguments: "oops" }] } };
    expect(() => parseToolArguments(event)).toThrow(/\/data\/tool_calls\/1\/arguments is a string that is not JSON/);
  });
});
