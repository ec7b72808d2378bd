// UTF-8 TextEncoder and TextDecoder for the sandbox, which has neither (they are web APIs,
// not part of V8). The CEL evaluator creates both when it loads, so this module must be
// imported before it. Only what that evaluator uses: encode() and decode().
const g = globalThis as Record<string, unknown>;

class Utf8Encoder {
  readonly encoding = "utf-8";
  encode(text = ""): Uint8Array {
    const bytes: number[] = [];
    for (const char of text) {
      let code = char.codePointAt(0)!;
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate
      if (code < 0x80) bytes.push(code);
      else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
      else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    }
    return Uint8Array.from(bytes);
  }
}

// Decodes as the WHATWG Encoding standard does: an invalid or cut-short sequence becomes one
// U+FFFD for its longest valid prefix, and decoding resumes at the byte that broke it.
class Utf8Decoder {
  readonly encoding = "utf-8";
  decode(bytes: ArrayLike<number> = new Uint8Array()): string {
    let out = "";
    let i = 0;
    while (i < bytes.length) {
      const lead = bytes[i++]!;
      if (lead < 0x80) {
        out += String.fromCharCode(lead);
        continue;
      }
      let need = 0;
      let code = 0;
      let low = 0x80;
      let high = 0xbf;
      if (lead >= 0xc2 && lead <= 0xdf) [need, code] = [1, lead & 31];
      else if (lead >= 0xe0 && lead <= 0xef) {
        [need, code] = [2, lead & 15];
        if (lead === 0xe0) low = 0xa0;
        if (lead === 0xed) high = 0x9f;
      } else if (lead >= 0xf0 && lead <= 0xf4) {
        [need, code] = [3, lead & 7];
        if (lead === 0xf0) low = 0x90;
        if (lead === 0xf4) high = 0x8f;
      } else {
        out += "\ufffd";
        continue;
      }
      let seen = 0;
      while (seen < need && i < bytes.length && bytes[i]! >= low && bytes[i]! <= high) {
        code = (code << 6) | (bytes[i++]! & 63);
        seen++;
        [low, high] = [0x80, 0xbf];
      }
      out += seen === need ? String.fromCodePoint(code) : "\ufffd";
    }
    return out;
  }
}

g.TextEncoder ??= Utf8Encoder;
g.TextDecoder ??= Utf8Decoder;
