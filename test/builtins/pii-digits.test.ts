// Personal data written in the digits of other scripts (issue 16): the finders read ASCII, so
// every decimal digit (Unicode \p{Nd}) is read as the ASCII digit it stands for first.
import { describe, expect, it } from "vitest";
import { normalizeForPii, piiTypesIn } from "../../builtins/lib/pii.ts";
import { toolCall, verdict } from "../helpers/builtins.ts";

// The ten digits of a script whose zero is `zero`.
const script = (zero: number) => (ascii: string) => ascii.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
const SCRIPTS = {
  "Arabic-Indic": script(0x0660),
  "Extended Arabic-Indic": script(0x06f0),
  Devanagari: script(0x0966),
  Bengali: script(0x09e6),
  Thai: script(0x0e50),
  Myanmar: script(0x1040),
  Fullwidth: script(0xff10),
  "Mathematical bold": script(0x1d7ce),
  "Mathematical monospace": script(0x1d7f6),
};
const mixed = (ascii: string) => [...ascii].map((c, i) => (/[0-9]/.test(c) ? String.fromCodePoint([0x0660, 0x0966, 0xff10][i % 3]! + Number(c)) : c)).join("");

describe("PII in the digits of other scripts", () => {
  it("reads every Unicode decimal digit as its value", () => {
    for (const [, write] of Object.entries(SCRIPTS)) expect(normalizeForPii(write("0123456789"))).toBe("0123456789");
    expect(normalizeForPii("plain ascii 42")).toBe("plain ascii 42");
  });

  it.each(Object.entries(SCRIPTS).flatMap(([name, write]) => [
    [name, "ssn", write("123-45-6789")],
    [name, "ssn", `SSN: ${write("123456789")}`],
    [name, "credit_card", write("4111 1111 1111 1111")],
    [name, "credit_card", write("4111111111111111")],
    [name, "phone", write("+44 20 7946 0958")],
    [name, "phone", write("(212) 555-0142")],
    [name, "iban", `DE${write("89 3704 0044 0532 0130 00")}`],
  ] as const))("%s digits: %s in %s", (_, type, text) => {
    expect(piiTypesIn(text, [type])).toEqual([type]);
  });

  it.each([
    ["ssn", mixed("123-45-6789")],
    ["credit_card", mixed("4111 1111 1111 1111")],
    ["phone", mixed("+1 212 555 0142")],
  ] as const)("digits of several scripts in one number: %s", (type, text) => {
    expect(piiTypesIn(text, [type])).toEqual([type]);
  });

  it("keeps its checks: a number failing Luhn or the SSA rules is still not PII", () => {
    expect(piiTypesIn(SCRIPTS["Arabic-Indic"]("4111 1111 1111 1112"), ["credit_card"])).toEqual([]);
    expect(piiTypesIn(SCRIPTS.Devanagari("666-12-3456"), ["ssn"])).toEqual([]);
  });

  it.each([
    ["an SSN in Arabic-Indic digits", { note: SCRIPTS["Arabic-Indic"]("123-45-6789") }],
    ["a card in Devanagari digits", { card: SCRIPTS.Devanagari("4111 1111 1111 1111") }],
    ["a phone in fullwidth digits", { to: SCRIPTS.Fullwidth("+44 20 7946 0958") }],
  ])("deny_pii denies %s", async (_, args) => {
    expect(await verdict("deny_pii", {}, toolCall("send", args))).toBe("DENY");
  });
});
