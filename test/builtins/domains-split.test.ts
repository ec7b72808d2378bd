// URLs whose scheme is split from the rest by tabs and newlines in running text (issue 16):
// URL parsers delete those, so `https:\n//evil.com` goes to evil.com.
import { describe, expect, it } from "vitest";
import { toolCall, verdict } from "../helpers/builtins.ts";

const SPLITS = ["https:\n//evil.com/x", "https:\r\n//evil.com/x", "https:\t//evil.com/x", "https:/\n/evil.com/x", "http:\n\n\t//evil.com", "HTTPS:\n//EVIL.COM", "wss:\n//evil.com/s", "https:\n//good.com@evil.com/", "https:\nevil.com/x"];

describe("a URL scheme split by a newline in free text", () => {
  it.each(SPLITS)("block_domains denies %j", async (text) => {
    expect(await verdict("block_domains", { blocked_domains: ["evil.com"] }, toolCall("send", { body: `see ${text} now` }))).toBe("DENY");
  });

  it.each(SPLITS)("allow_domains denies %j among allowed URLs", async (text) => {
    expect(await verdict("allow_domains", { allowed_domains: ["good.com"] }, toolCall("send", { body: `see https://good.com and ${text}` }))).toBe("DENY");
    expect(await verdict("allow_domains", { allowed_domains: ["good.com"] }, toolCall("send", { body: text }))).toBe("DENY");
  });

  it.each(["Note:\nthe build passed, see https://good.com", "time:\n12:30 at https://good.com", "https:\n//good.com/x"])("still allows %j", async (text) => {
    expect(await verdict("allow_domains", { allowed_domains: ["good.com"] }, toolCall("send", { body: text }))).toBe("ALLOW");
  });
});
