// builtins/lib/url.ts and lib/punycode.ts, run directly (plain functions, no sandbox).
import { describe, expect, it } from "vitest";
import { findDomain, findHosts, findHostsInUrlValue, isMixedScript, MAX_HOSTS, MAX_WORK, newSearch, normalizeDomain, parseHost, punycodeDecode, punycodeEncode, skeleton, truncated, type Found } from "../../builtins/lib/url/index.ts";

const find = (text: string, bare: "all" | "likely" = "all") => findHosts(text, newSearch(bare));
const hosts = (found: Found[]) => found.flatMap((f) => f.hosts.map((h) => h.host));
const host = (input: string) => {
  const r = parseHost(input);
  return "error" in r ? `error: ${r.error}` : r.host;
};

describe("punycode", () => {
  it.each([
    ["bücher", "bcher-kva"],
    ["münchen", "mnchen-3ya"],
    ["例え", "r8jz45g"],
    ["bébé", "bb-bjab"],
    ["ü", "tda"],
    ["пример", "e1afmkfd"],
    ["☃-⌘", "--dqo34k"],
  ])("%s ↔ %s (RFC 3492)", (unicode, encoded) => {
    expect(punycodeEncode(unicode)).toBe(encoded);
    expect(punycodeDecode(encoded)).toBe(unicode);
  });

  it("rejects invalid input instead of guessing", () => {
    expect(punycodeDecode("bcher-kv!")).toBeNull();
    expect(punycodeDecode("b\u00fccher-kva")).toBeNull();
    expect(punycodeDecode("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")).toBeNull();
  });
});

describe("parseHost", () => {
  it.each([
    ["EVIL.com", "evil.com"],
    ["evil.com.", "evil.com"],
    ["EVIL.com..", "evil.com"],
    ["%65vil.com", "evil.com"],
    ["ｅｖｉｌ。ｃｏｍ", "evil.com"],
    ["bücher.de", "xn--bcher-kva.de"],
    ["BÜCHER.de", "xn--bcher-kva.de"],
    ["XN--BCHER-KVA.de", "xn--bcher-kva.de"],
    ["127.0.0.1", "127.0.0.1"],
    ["2130706433", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["[::1]", "[::1]"],
    ["[0:0:0:0:0:0:0:1]", "[::1]"],
    ["[2001:DB8::0:1]", "[2001:db8::1]"],
    ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]"],
    ["1.2.3.256", "error: invalid IPv4 address"],
    ["4294967296", "error: invalid IPv4 address"],
    ["[::1", "error: unclosed IPv6 bracket"],
    ["[1:2:3:4:5:6:7:8:9]", "error: invalid IPv6 address"],
    ["%zz.com", "error: invalid percent-encoding"],
    ["evil%2fcom", "error: forbidden character in host"],
    ["xn--zz!.com", "error: invalid punycode label"],
    ["xn--.com", "error: invalid punycode label"],
    ["", "error: empty host"],
  ])("%s → %s", (input, expected) => {
    expect(host(input)).toBe(expected);
  });

  it("agrees with Node's WHATWG URL parser on the host", () => {
    const corpus = [
      "Example.COM", "bücher.de", "BÜCHER.DE", "straße.de", "ᴇvil.com", "faß.de", "例え.テスト", "пример.рф", "xn--bcher-kva.de", "münchen.de.",
      "0x7f.0.0.1", "0300.0250.0.1", "3232235521", "192.168.0.1.", "127.1", "0x7f000001", "[::]", "[::1]", "[2001:db8:0:0:1:0:0:1]",
      "[::ffff:192.168.0.1]", "[1::]", "[1:2:3:4:5:6:7::]", "%62%C3%BCcher.de", "ＥＸＡＭＰＬＥ．ｃｏｍ", "a。b｡c",
    ];
    for (const input of corpus) expect(host(input), input).toBe(new URL(`http://${input}/`).hostname.replace(/\.$/, ""));
  });

  it("keeps exotic IPv4 forms for URLs only; bare text needs a dotted quad", () => {
    expect(host("2130706433")).toBe("127.0.0.1");
    expect(parseHost("2130706433", { url: false })).toMatchObject({ kind: "dns" });
    expect(parseHost("10.0.0.1", { url: false })).toMatchObject({ kind: "ipv4", host: "10.0.0.1" });
  });

  it("records doubts: mixed scripts, invisible characters, names DNS cannot have", () => {
    expect(parseHost("\u0435vil.com")).toMatchObject({ host: "xn--vil-qdd.com", unicode: "\u0435vil.com", doubts: ["mixed scripts"] });
    expect(parseHost("ev\u200bil.com")).toMatchObject({ host: "evil.com", doubts: ["invisible characters"] });
    expect(parseHost("{host}.com")).toMatchObject({ doubts: ["not a DNS name"] });
    expect(parseHost("evil..com")).toMatchObject({ doubts: ["empty label"] });
    expect(parseHost("[::ffff:10.0.0.1]")).toMatchObject({ also: ["10.0.0.1"] });
  });
});

describe("findDomain and normalizeDomain", () => {
  it.each([
    ["evil.com", "evil.com", true],
    ["sub.evil.com", "evil.com", true],
    ["a.b.evil.com", "evil.com", true],
    ["EVIL.COM.", "evil.com", true],
    ["notevil.com", "evil.com", false],
    ["evil.com.example.org", "evil.com", false],
    ["evil.co", "evil.com", false],
    ["xn--bcher-kva.de", "bücher.de", true],
    ["shop.bücher.de", "xn--bcher-kva.de", true],
    ["127.0.0.1", "127.0.0.1", true],
    ["1.127.0.0.1", "127.0.0.1", false],
    ["[::1]", "::1", true],
    ["xn--vil-qdd.com", "evil.com", false],
  ] as const)("%s in %s → %s", (h, d, expected) => {
    expect(findDomain(host(h), new Set([normalizeDomain(d)!])) !== undefined).toBe(expected);
  });

  it("findDomain looks a canonical host up in a set by its parent domains", () => {
    const set = new Set(["evil.com", "127.0.0.1", "[::1]"]);
    expect(findDomain("a.b.evil.com", set)).toBe("evil.com");
    expect(findDomain("notevil.com", set)).toBeUndefined();
    expect(findDomain("1.127.0.0.1", set)).toBeUndefined();
    expect(findDomain("[::1]", set)).toBe("[::1]");
  });

  it("normalises domains from params, and refuses nonsense", () => {
    expect(normalizeDomain("*.Evil.COM.")).toBe("evil.com");
    expect(normalizeDomain("::1")).toBe("[::1]");
    expect(normalizeDomain("bücher.de")).toBe("xn--bcher-kva.de");
    expect(normalizeDomain("evil .com")).toBeNull();
    expect(normalizeDomain("ev\u200bil.com")).toBeNull();
  });
});

describe("homographs", () => {
  it("reduces lookalike letters to the Latin ones they imitate", () => {
    expect(skeleton("\u0435vil.com")).toBe("evil.com");
    expect(skeleton("p\u0430yp\u0430l.com")).toBe("paypal.com");
    expect(skeleton("\u03bf\u03c1en.com")).toBe("open.com");
    expect(skeleton("évil.com")).toBe("evil.com");
  });

  it("tells mixed-script labels from single-script ones", () => {
    expect(isMixedScript("\u0435vil")).toBe(true);
    expect(isMixedScript("пример")).toBe(false);
    expect(isMixedScript("bücher")).toBe(false);
    expect(isMixedScript("例え")).toBe(false);
  });
});

describe("findHosts", () => {
  it.each([
    ["https://evil.com@good.com/x", ["good.com"]],
    ["https://good.com@evil.com", ["evil.com"]],
    ["https://a@evil.com@good.com", ["good.com"]],
    ["https://evil.com:80@good.com", ["good.com"]],
    ["http://2130706433/", ["127.0.0.1"]],
    ["http://0x7f000001", ["127.0.0.1"]],
    ["http://127.0.0.1:8080/x", ["127.0.0.1"]],
    ["http://[::1]:80/", ["[::1]"]],
    ["HTTPS://EVIL.COM./X", ["evil.com"]],
    ["http:evil.com", ["evil.com"]],
    ["https:\\\\evil.com\\x", ["evil.com"]],
    ["(see http://evil.com).", ["evil.com"]],
    ["ftp://files.evil.com:21/pub", ["files.evil.com"]],
    ["git+ssh://git@evil.com/repo", ["evil.com"]],
    ["file:///etc/passwd", []],
    ["mailto:bob@example.org", ["example.org"]],
    ["evil.com/path and bob@evil.org", ["evil.com", "evil.org"]],
    ["version 1.2.3, released 2024-01-02, at 10.0.0.1", ["10.0.0.1"]],
    ["https%3A%2F%2Fevil.com%2Fx", ["evil.com"]],
    ["https://good.com/?next=https://evil.com/", ["good.com", "evil.com"]],
    ["https://good.com/?next=https%3A%2F%2Fevil.com%2F", ["good.com", "evil.com"]],
  ])("%s → %j", (text, expected) => {
    expect(hosts(find(text))).toEqual(expected);
  });

  it("reports both readings where parsers disagree (backslash, fragment before @)", () => {
    expect(find("http://good.com\\@evil.com/")[0]!.hosts.map((h) => h.host)).toEqual(["good.com", "evil.com"]);
    expect(find("https://evil.com#@good.com")[0]!.hosts.map((h) => h.host)).toEqual(["evil.com", "good.com"]);
  });

  it("reports URLs whose host cannot be parsed", () => {
    expect(find("http://1.2.3.999/x")[0]).toMatchObject({ hosts: [], error: "invalid IPv4 address" });
    expect(find("http://[::1/x")[0]).toMatchObject({ error: "unclosed IPv6 bracket" });
    expect(find("https://user@/x")[0]).toMatchObject({ error: "empty host" });
  });

  it("in `likely` mode takes bare names only when they look like destinations", () => {
    expect(hosts(find("open www.evil.com and evil.org/x or evil.net:8080 but not report.pdf or src/evil.io/x", "likely"))).toEqual([
      "www.evil.com", "evil.org", "evil.net",
    ]);
  });

  it("reads values of URL-like keys as URLs even without a scheme", () => {
    expect(hosts(findHostsInUrlValue("2130706433", newSearch("likely")))).toEqual(["127.0.0.1"]);
    expect(hosts(findHostsInUrlValue("evil.com@good.com/x", newSearch("likely")))).toEqual(["good.com"]);
    expect(hosts(findHostsInUrlValue("//evil.com/x", newSearch("likely")))).toEqual(["evil.com"]);
    expect(hosts(findHostsInUrlValue("localhost:3000", newSearch("likely")))).toEqual(["localhost"]);
    expect(hosts(findHostsInUrlValue("/api/v1", newSearch("likely")))).toEqual([]);
  });

  it("reports each distinct URL or word once per search, and stops at the limit", () => {
    const s = newSearch("all");
    expect(hosts(findHosts("https://evil.com/a https://evil.com/b evil.org evil.org", s))).toEqual(["evil.com", "evil.org"]);
    expect(hosts(findHosts("https://evil.com/c and evil.org", s))).toEqual([]);
    const small = newSearch("all", { limit: 3 });
    findHosts("a.com b.com c.com d.com e.com", small);
    expect(small.found).toHaveLength(3);
    expect(truncated(small)).toBe(true);
  });

  it("with onlyUnder skips ASCII words that cannot be under the given domains", () => {
    const s = newSearch("all", { onlyUnder: ["evil.com", "127.0.0.1"] });
    expect(hosts(findHosts("a.png b.COM c.org 127.000.000.001 10.0.0.2 ｅｖｉｌ．ｏｒｇ https://x.org/", s))).toEqual(["x.org", "b.com", "127.0.0.1", "evil.org"]);
  });

  it("stops when the work budget is spent, however few hosts it found", () => {
    const s = newSearch("all");
    findHosts(Array.from({ length: MAX_WORK + 5 }, (_, i) => `x${i}.b.c.1`).join(" "), s);
    expect(s.work).toBe(MAX_WORK);
    expect(s.found).toEqual([]);
    expect(truncated(s)).toBe(true);
    const numbers = newSearch("all");
    findHosts(Array.from({ length: 50_000 }, (_, i) => `1.2.${i} 3.${i}`).join(" "), numbers);
    expect(truncated(numbers)).toBe(false);
  });

  // Long runs and many almost-URLs, built to make the search take quadratic time or worse; how
  // fast is for the benchmarks to measure (a wall-clock bound here fails on a loaded machine),
  // this checks what it finds.
  it.each([
    ["a", 300_000, []], ["http:", 60_000, []], ["a.", 150_000, []], ["%41", 100_000, []], ["1.", 150_000, []],
    ["http://a@", 30_000, ["http"]], ["http:a.b\\", 30_000, ["a.b"]], ["http://1.2.3.4/ ", 20_000, ["1.2.3.4"]],
  ])("finds the hosts in %j × %i", (unit, count, expected) => {
    expect([...new Set(hosts(find(unit.repeat(count))))]).toEqual(expected);
  });

  it("finds the first MAX_HOSTS of many distinct hosts", () => {
    const text = Array.from({ length: 30_000 }, (_, i) => `h${i}.com`).join(" ");
    expect(hosts(find(text))).toEqual(Array.from({ length: MAX_HOSTS }, (_, i) => `h${i}.com`));
  });
});
