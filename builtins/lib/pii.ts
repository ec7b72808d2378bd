// Finding personal data in text: US social security numbers, payment card numbers, email
// addresses, phone numbers and IBANs. Each finder pairs a bounded regexp with a check that
// removes look-alikes (Luhn for cards, mod 97 for IBANs, SSA rules for SSNs), so a random
// number or an order id rarely counts.

export const PII_TYPES = ["ssn", "credit_card", "email", "phone", "iban"] as const;
export type PiiType = (typeof PII_TYPES)[number];

export const PII_LABELS: Record<PiiType, string> = {
  ssn: "social security number",
  credit_card: "credit card number",
  email: "email address",
  phone: "phone number",
  iban: "IBAN",
};

export interface PiiMatch {
  type: PiiType;
  start: number;
  end: number;
}

// ------------------------------------------------------------------------------- SSN

// 123-45-6789 or 123 45 6789 (one separator, used twice), or nine digits after "SSN".
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const SSN_LABELLED = /\b(?:ssn|social security(?: number| no\.?)?)\b[^\d\n]{0,20}(?<!\d)(\d{3})(\d{2})(\d{4})(?!\d)/gi;

/** SSA rules: the area is not 000, 666 or 900–999; the group is not 00; the serial not 0000. */
export function validSsn(area: string, group: string, serial: string): boolean {
  return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
}

function* findSsns(text: string): Generator<PiiMatch> {
  for (const m of text.matchAll(SSN)) {
    if (validSsn(m[1]!, m[3]!, m[4]!)) yield { type: "ssn", start: m.index, end: m.index + m[0].length };
  }
  for (const m of text.matchAll(SSN_LABELLED)) {
    const end = m.index + m[0].length;
    if (validSsn(m[1]!, m[2]!, m[3]!)) yield { type: "ssn", start: end - 9, end };
  }
}

// ----------------------------------------------------------------------- credit cards

// 13 to 19 digits, optionally grouped by single spaces or dashes, not part of a longer number.
const CARD = /(?<![+\d]|\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)/g;
// Accepted groupings when separators are used: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners).
const GROUPINGS = new Set(["4,4,4,4", "4,4,4,4,3", "4,4,4,4,2", "4,4,4,4,1", "4,4,4,1", "4,6,5", "4,6,4", "4,4,4,3"]);

/** The Luhn checksum every payment card number satisfies. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Whether the issuer prefix and the length fit a real card network. */
export function plausibleCard(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners Club
  if (p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67) return n >= 12 && n <= 19; // Maestro
  return false;
}

function* findCards(text: string): Generator<PiiMatch> {
  for (const m of text.matchAll(CARD)) {
    const raw = m[0];
    const digits = raw.replace(/[ -]/g, "");
    if (!plausibleCard(digits) || !luhn(digits)) continue;
    if (digits.length !== raw.length) {
      const groups = raw.split(/[ -]/);
      if ((raw.includes(" ") && raw.includes("-")) || !GROUPINGS.has(groups.map((g) => g.length).join())) continue;
    }
    yield { type: "credit_card", start: m.index, end: m.index + raw.length };
  }
}

// ------------------------------------------------------------------------------ email

const EMAIL = /(?<![\w.%+-])[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}\.[a-z]{2,24}(?![\w-])/gi;

function* findEmails(text: string): Generator<PiiMatch> {
  for (const m of text.matchAll(EMAIL)) {
    const [local, domain] = m[0].split("@") as [string, string];
    // `git@github.com:org/repo` is an SSH remote, `icon@2x.png` an image name.
    if (local.toLowerCase() === "git" || /^\d+x\./i.test(domain) || local.startsWith(".") || local.endsWith(".")) continue;
    yield { type: "email", start: m.index, end: m.index + m[0].length };
  }
}

// ------------------------------------------------------------------------------ phone
//
// Digits alone say little (dates, versions, amounts, order and ticket numbers all have them),
// so a phone number must have a phone's shape:
// - international: a leading + (E.164), 8 to 15 digits;
// - North American: 3-3-4 digits with the NANP rules (area and exchange do not start with 0
//   or 1) and one kind of separator;
// - national: a trunk 0, then 9 to 12 digits in groups split by one kind of separator;
// - or 7 to 15 digits right after a word such as "phone", "tel" or "mobile".
// Never: digits without separators or context (order #123456789), dates (2024-01-15,
// 12/31/2024, 31.12.2024), versions and IPs (1.2.3, 10.0.0.1), or a group inside a longer run
// of digit groups (an IBAN, a card number, a row of numbers).

// International: + and 8 to 15 digits (E.164), grouped by spaces, dashes, dots or brackets.
const PHONE_INTL = /(?<![\w+])\+[1-9](?:[ .-]?\(?\d\)?){7,14}(?![\w.-]?\d)/g;
// North American: (212) 555-0142, 212-555-0142, 212.555.0142, with an optional leading 1.
const PHONE_NANP = /(?<![\w.+-]|\d[ .-])(?:1[ .-]?)?(?:\(([2-9]\d\d)\) ?|([2-9]\d\d)([ .-]))[2-9]\d\d([ .-])\d{4}(?![\w-]|[ .]\d)/g;
// National with a trunk 0 and one kind of separator: 020 7946 0958, 030-12345678, 06 12 34 56 78.
const PHONE_NATIONAL = /(?<![\w.+-]|\d[ -])0[1-9]\d{0,3}(?:[ -]\d{2,8}){1,4}(?![\w-]|[ .]\d)/g;
// Any 7 to 15 digits right after a word that says they are a phone number ("Phone number: …").
const PHONE_LABELLED = /\b(?:phone|tel|telephone|mobile|cell|fax|whatsapp|sms)s?(?: ?(?:number|num|no)\b)?\b[^\w\n]{0,6}(\+?\(?\d[\d ().-]{5,22}\d)(?![\w-]|\.\d)/gi;
// Shapes that share digits with phones but are dates, times or versions.
const NOT_A_PHONE = /^\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}$|^\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4}$|^\d+\.\d+\.\d+/;

function* findPhones(text: string): Generator<PiiMatch> {
  const digitCount = (s: string) => s.replace(/\D/g, "").length;
  for (const m of text.matchAll(PHONE_INTL)) {
    const n = digitCount(m[0]);
    if (n >= 8 && n <= 15 && !NOT_A_PHONE.test(m[0].slice(1))) yield { type: "phone", start: m.index, end: m.index + m[0].length };
  }
  for (const m of text.matchAll(PHONE_NANP)) {
    // One kind of separator throughout (212-555-0142, not 212-555.0142).
    if (m[3] !== undefined && m[3] !== m[4]) continue;
    yield { type: "phone", start: m.index, end: m.index + m[0].length };
  }
  for (const m of text.matchAll(PHONE_NATIONAL)) {
    const n = digitCount(m[0]);
    if (n >= 9 && n <= 12 && new Set(m[0].match(/[ -]/g)).size === 1 && !NOT_A_PHONE.test(m[0])) {
      yield { type: "phone", start: m.index, end: m.index + m[0].length };
    }
  }
  for (const m of text.matchAll(PHONE_LABELLED)) {
    const number = m[1]!;
    const n = digitCount(number);
    if (n >= 7 && n <= 15 && !NOT_A_PHONE.test(number)) {
      const end = m.index + m[0].length;
      yield { type: "phone", start: end - number.length, end };
    }
  }
}

// ------------------------------------------------------------------------------- IBAN

// Country code, two check digits, then the account part, optionally in groups of four.
const IBAN = /\b[a-z]{2}\d{2}(?:[ -]?[a-z0-9]){11,30}\b/gi;
// IBAN length by country (ISO 13616 registry).
const IBAN_LENGTHS = new Map(
  ("AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 " +
    "FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 " +
    "LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 " +
    "RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20")
    .split(" ")
    .map((e) => [e.slice(0, 2), Number(e.slice(2))] as const),
);

/** ISO 7064 mod 97-10: the IBAN, rotated and read as a number, leaves remainder 1. */
export function validIban(iban: string): boolean {
  const s = iban.toUpperCase();
  if (IBAN_LENGTHS.get(s.slice(0, 2)) !== s.length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const rotated = s.slice(4) + s.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < rotated.length; i++) {
    const c = rotated.charCodeAt(i);
    rest = (c < 65 ? rest * 10 + c - 48 : rest * 100 + c - 55) % 97;
  }
  return rest === 1;
}

function* findIbans(text: string): Generator<PiiMatch> {
  for (const m of text.matchAll(IBAN)) {
    // The regexp may run into following words ("DE89 3704 … 00 and"): cut it at the length
    // the country uses, which must end at a separator.
    const length = IBAN_LENGTHS.get(m[0].slice(0, 2).toUpperCase());
    if (length === undefined) continue;
    const compact = m[0].replace(/[ -]/g, "");
    if (compact.length < length) continue;
    let end = 0;
    for (let taken = 0; taken < length; end++) if (m[0][end] !== " " && m[0][end] !== "-") taken++;
    if (end < m[0].length && m[0][end] !== " " && m[0][end] !== "-") continue;
    if (validIban(compact.slice(0, length))) yield { type: "iban", start: m.index, end: m.index + end };
  }
}

// ----------------------------------------------------------------------------- all

const FINDERS: Record<PiiType, (text: string) => Iterable<PiiMatch>> = {
  ssn: findSsns,
  credit_card: findCards,
  email: findEmails,
  phone: findPhones,
  iban: findIbans,
};

/** Every match of the given types in `text`, in no particular order (matches may overlap). */
export function findPii(text: string, types: readonly PiiType[] = PII_TYPES): PiiMatch[] {
  return types.flatMap((t) => [...FINDERS[t](text)]);
}

// The finders read ASCII. Text can hide from them in full-width digits and `＠` (NFKC maps
// those to ASCII), in the digits of other scripts (Arabic-Indic ٤١١١, Devanagari ४१११, which
// NFKC leaves alone), or with invisible characters inside a number (`123-45-67\u200b89`).
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;
const OTHER_DIGIT = /(?![0-9])\p{Nd}/gu;
const IS_DIGIT = /^\p{Nd}$/u;
const digitValues = new Map<string, string>();

// Unicode lays out every decimal digit (\p{Nd}) in runs of ten, zero to nine, and runs that
// touch start on a multiple of ten from the first: a digit's value is its distance from the
// start of its run, modulo 10.
function digitValue(d: string): string {
  let value = digitValues.get(d);
  if (value === undefined) {
    const code = d.codePointAt(0)!;
    let back = 0;
    while (back < 100 && IS_DIGIT.test(String.fromCodePoint(code - back - 1))) back++;
    value = String(back % 10);
    digitValues.set(d, value);
  }
  return value;
}

/** `text` as the finders read it: NFKC, without invisible characters, every digit ASCII. */
export function normalizeForPii(text: string): string {
  const plain = text.normalize("NFKC").replace(INVISIBLE, "");
  return /[^\u0000-\u007f]/.test(plain) ? plain.replace(OTHER_DIGIT, digitValue) : plain;
}

/** Which of the given types occur in `text`; each search stops at its first match. */
export function piiTypesIn(text: string, types: readonly PiiType[] = PII_TYPES): PiiType[] {
  const plain = normalizeForPii(text);
  return types.filter((t) => !FINDERS[t](plain)[Symbol.iterator]().next().done);
}
