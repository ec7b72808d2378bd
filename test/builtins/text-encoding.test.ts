import { describe, expect, it } from "vitest";

describe("the sandbox's UTF-8 TextEncoder/TextDecoder", async () => {
  const g = globalThis as Record<string, unknown>;
  const saved = { TextEncoder: g.TextEncoder, TextDecoder: g.TextDecoder };
  delete g.TextEncoder;
  delete g.TextDecoder;
  await import("../../builtins/lib/text-encoding.ts");
  const Ours = { Encoder: g.TextEncoder as typeof TextEncoder, Decoder: g.TextDecoder as typeof TextDecoder };
  Object.assign(g, saved);

  it.each(["", "plain", "é", "日本語", "😀 emoji", "mixed é 日 😀"])("encodes and decodes %j like the web API", (text) => {
    const bytes = new Ours.Encoder().encode(text);
    expect([...bytes]).toEqual([...new TextEncoder().encode(text)]);
    expect(new Ours.Decoder().decode(bytes)).toBe(text);
  });

  it.each([
    [[0x66, 0xff, 0x6f]], [[0xe6, 0x97]], [[0xe6, 0x41]], [[0x80]], [[0xe0, 0x80, 0x80]], [[0xed, 0xa0, 0x80]],
    [[0xf4, 0x90, 0x80, 0x80]], [[0xf0, 0x9f, 0x98]], [[0xc0, 0xaf]], [[0xf0, 0x9f, 0x98, 0x80, 0x41]],
  ])("decodes invalid bytes %j as the web API does", (bytes) => {
    expect(new Ours.Decoder().decode(new Uint8Array(bytes))).toBe(new TextDecoder().decode(new Uint8Array(bytes)));
  });

  it("encodes a lone surrogate as U+FFFD, as the web API does", () => {
    expect([...new Ours.Encoder().encode("\ud800")]).toEqual([...new TextEncoder().encode("\ud800")]);
  });
});
