// builtins/lib/pii.ts, run directly.
import { describe, expect, it } from "vitest";
import { findPii, luhn, plausibleCard, validIban, validSsn, type PiiType } from "../../builtins/lib/pii.ts";

const found = (text: string) => findPii(text).map((m) => `${m.type}:${text.slice(m.start, m.end)}`);

describe("findPii finds", () => {
  it.each([
    ["SSN 123-45-6789", "ssn:123-45-6789"],
    ["ssn 123 45 6789", "ssn:123 45 6789"],
    ["SSN: 123456789", "ssn:123456789"],
    ["social security number is 078051120", "ssn:078051120"],
    ["card 4111 1111 1111 1111", "credit_card:4111 1111 1111 1111"],
    ["card 4111-1111-1111-1111.", "credit_card:4111-1111-1111-1111"],
    ["4111111111111111", "credit_card:4111111111111111"],
    ["amex 378282246310005", "credit_card:378282246310005"],
    ["amex 3782 822463 10005", "credit_card:3782 822463 10005"],
    ["mc 5500 0000 0000 0004", "credit_card:5500 0000 0000 0004"],
    ["mastercard 2223000048400011", "credit_card:2223000048400011"],
    ["discover 6011111111111117", "credit_card:6011111111111117"],
    ["write to John.Doe+tag@Example.co.uk today", "email:John.Doe+tag@Example.co.uk"],
    ["call +1 212 555 0142", "phone:+1 212 555 0142"],
    ["+44 20 7946 0958", "phone:+44 20 7946 0958"],
    ["+33 6 12 34 56 78", "phone:+33 6 12 34 56 78"],
    ["+4915112345678", "phone:+4915112345678"],
    ["(212) 555-0142", "phone:(212) 555-0142"],
    ["212-555-0142", "phone:212-555-0142"],
    ["212.555.0142", "phone:212.555.0142"],
    ["1-800-555-0199", "phone:1-800-555-0199"],
    ["020 7946 0958", "phone:020 7946 0958"],
    ["030-12345678", "phone:030-12345678"],
    ["06 12 34 56 78", "phone:06 12 34 56 78"],
    ["Phone number: 5550142", "phone:5550142"],
    ["tel: 555 0142 123", "phone:555 0142 123"],
    ["DE89 3704 0044 0532 0130 00", "iban:DE89 3704 0044 0532 0130 00"],
    ["iban de89370400440532013000.", "iban:de89370400440532013000"],
    ["GB82 WEST 1234 5698 7654 32", "iban:GB82 WEST 1234 5698 7654 32"],
    ["pay FR14 2004 1010 0505 0001 3M02 606 now", "iban:FR14 2004 1010 0505 0001 3M02 606"],
    ["IBAN DE89 3704 0044 0532 0130 00 and more words", "iban:DE89 3704 0044 0532 0130 00"],
  ])("%s → %s", (text, expected) => {
    expect(found(text)).toEqual([expected]);
  });
});

describe("findPii ignores near-misses", () => {
  it.each([
    ["invalid SSN area 000", "000-12-3456"],
    ["invalid SSN area 666", "666-12-3456"],
    ["invalid SSN area 9xx", "912-34-5678"],
    ["invalid SSN group 00", "123-00-4567"],
    ["invalid SSN serial 0000", "123-45-0000"],
    ["mixed SSN separators", "123-45 6789"],
    ["SSN-shaped inside a longer number", "9123-45-67890"],
    ["card failing Luhn", "4111 1111 1111 1112"],
    ["card failing Luhn, no spaces", "4111111111111112"],
    ["Luhn-valid but no issuer starts with 1", "1234567812345670"],
    ["Luhn-valid Visa of an impossible length", "41111111111111111"],
    ["card in odd groups", "41 1111 1111 1111 11"],
    ["13-digit millisecond timestamp", "ts=1700000000000"],
    ["IBAN with a bad checksum", "DE89 3704 0044 0532 0130 01"],
    ["IBAN of the wrong length", "DE89 3704 0044 0532 0130"],
    ["IBAN of an unknown country", "ZZ89370400440532013000"],
    ["hash that starts like an IBAN", "de12a9f8e7d6c5b4a3f2e1d0c9b8a7f6"],
    ["ISO date", "released 2023-01-15"],
    ["date with slashes", "due 12/31/2024"],
    ["date with dots", "am 31.12.2024"],
    ["date after +", "+2023-01-15"],
    ["version string", "version 1.2.3.4"],
    ["version with v", "v10.12.1"],
    ["semver with build", "1.22.333-4444"],
    ["IPv4 address", "at 192.168.100.200"],
    ["order number", "order #123456789"],
    ["long digit run", "id 12345678901234567890"],
    ["table row of digit groups", "01 02 03 04 05 06 07"],
    ["NANP with a 0/1 exchange", "212-155-0142"],
    ["NANP with mixed separators", "212-555.0142"],
    ["git remote", "git@github.com:org/repo.git"],
    ["retina image", "icon@2x.png"],
    ["npm scope", "@types/node@20.1.0"],
    ["labelled date", "tel 2024-05-01"],
  ])("%s (%s)", (_, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("checks", () => {
  it("Luhn, issuer plausibility, SSA rules, mod 97", () => {
    expect(luhn("79927398713")).toBe(true);
    expect(luhn("79927398710")).toBe(false);
    expect(plausibleCard("4111111111111111")).toBe(true);
    expect(plausibleCard("9111111111111111")).toBe(false);
    expect(plausibleCard("371449635398431")).toBe(true);
    expect(plausibleCard("3714496353984310")).toBe(false);
    expect(validSsn("123", "45", "6789")).toBe(true);
    expect(validSsn("666", "45", "6789")).toBe(false);
    expect(validIban("GB82WEST12345698765432")).toBe(true);
    expect(validIban("GB82WEST12345698765433")).toBe(false);
    expect(validIban("NO9386011117947")).toBe(true);
  });

  it("looks only for the types asked for", () => {
    const text = "mail a@b.org, card 4111111111111111";
    expect(findPii(text, ["email"]).map((m) => m.type)).toEqual<PiiType[]>(["email"]);
    expect(findPii(text, ["ssn", "iban"])).toEqual([]);
  });

  // Inputs built to make a backtracking pattern take quadratic time or worse; how fast they
  // are scanned is for the benchmarks to measure (a wall-clock bound here fails on a loaded
  // machine), this checks that none of them passes for PII.
  it.each([
    ["1", 300_000, ""], ["1 ", 150_000, ""], ["+1 ", 100_000, ""], ["a@", 150_000, ""], ["a.", 150_000, ""], ["DE89 ", 60_000, ""], ["phone ", 50_000, "1"],
  ])("finds no PII in %j × %i + %j", (unit, count, tail) => {
    expect(findPii(unit.repeat(count) + tail)).toEqual([]);
  });
});
