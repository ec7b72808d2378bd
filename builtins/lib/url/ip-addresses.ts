// IP addresses in hosts: IPv4 in the forms WHATWG URL parsing accepts (`2130706433`,
// `0x7f.1`, `0177.0.0.1`), dotted quads only (for bare text), and IPv6 parsed to its eight
// pieces and written back in the canonical compressed form.

function parseIPv4Number(part: string): number | null {
  let digits = part;
  let radix = 10;
  if (/^0x/.test(digits)) {
    radix = 16;
    digits = digits.slice(2);
  } else if (digits.length > 1 && digits.startsWith("0")) {
    radix = 8;
    digits = digits.slice(1);
  }
  if (digits === "") return 0;
  const valid = radix === 16 ? /^[0-9a-f]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  return valid.test(digits) ? parseInt(digits, radix) : null;
}

// WHATWG IPv4 parser: one to four parts, each decimal, octal (leading 0) or hex (0x).
export function parseIPv4(labels: string[]): string | null {
  if (labels.length > 4) return null;
  const numbers = labels.map(parseIPv4Number);
  if (numbers.some((n) => n === null)) return null;
  const last = numbers.pop()!;
  if (numbers.some((n) => n! > 255) || last >= 256 ** (4 - numbers.length)) return null;
  let value = last;
  numbers.forEach((n, i) => (value += n! * 256 ** (3 - i)));
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export function parseDottedQuad(labels: string[]): string | null {
  if (labels.length !== 4 || labels.some((l) => !/^\d{1,3}$/.test(l) || Number(l) > 255)) return null;
  return labels.map(Number).join(".");
}

export function parseIPv6(text: string): number[] | null {
  const halves = text.toLowerCase().split("::");
  if (halves.length > 2) return null;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  const tail = groups[groups.length - 1]!;
  const v4 = tail.length > 0 && tail[tail.length - 1]!.includes(".") ? parseDottedQuad(tail.pop()!.split(".")) : undefined;
  if (v4 === null) return null;
  if (v4 !== undefined) {
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    tail.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const all = groups.flat();
  if (all.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const pieces = all.map((g) => parseInt(g, 16));
  if (halves.length === 1) return pieces.length === 8 ? pieces : null;
  const head = groups[0]!.map((g) => parseInt(g, 16));
  const rest = groups[1]!.map((g) => parseInt(g, 16));
  if (head.length + rest.length > 7) return null;
  return [...head, ...Array<number>(8 - head.length - rest.length).fill(0), ...rest];
}

export function serializeIPv6(pieces: number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && pieces[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = pieces.map((p) => p.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}
