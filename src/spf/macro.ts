/**
 * SPF macro-strings (RFC 7208 7.1, ABNF in section 12): checked for syntax,
 * and expanded only as far as a check needs: `%{d}` (the domain whose record
 * is being read) and the escapes `%%`, `%_`, `%-`. Every other macro letter
 * depends on the message being checked (sender, IP, HELO), so a domain-spec
 * using one cannot be followed without a message.
 */
import { MAX_NAME_OCTETS } from "../dns/host-name";

/** `s l o d i p h c r t v`; c, r and t only in explanation text (7.2), never in a record. */
const LETTERS = "slodiphcrtv";
const EXP_ONLY = "crt";
const DELIMITERS = ".-+,/_=";

/** One piece of a macro-string. */
export type MacroPart =
  | { readonly kind: "literal"; readonly text: string }
  /** `%{letter digits r delimiters}`; `letter` lower-cased (upper case means URL-escaped). */
  | { readonly kind: "expand"; readonly letter: string; readonly digits?: number; readonly reverse: boolean; readonly delimiters: string }
  /** `%%` -> "%", `%_` -> " ", `%-` -> "%20". */
  | { readonly kind: "escape"; readonly text: string };

export interface MacroScan {
  readonly parts: MacroPart[];
  /** Each problem with its 0-based offset in the scanned text. */
  readonly problems: { readonly offset: number; readonly reason: string }[];
}

/** Splits a macro-string into parts, collecting every syntax problem. */
export function scanMacroString(text: string): MacroScan {
  const parts: MacroPart[] = [];
  const problems: { offset: number; reason: string }[] = [];
  let literal = "";
  const flush = () => {
    if (literal) parts.push({ kind: "literal", text: literal });
    literal = "";
  };
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c !== "%") {
      literal += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "%" || next === "_" || next === "-") {
      flush();
      parts.push({ kind: "escape", text: next === "%" ? "%" : next === "_" ? " " : "%20" });
      i += 2;
      continue;
    }
    if (next !== "{") {
      problems.push({ offset: i, reason: `'%' must be followed by '{', '%', '_' or '-' (write a literal % as %%)` });
      i++;
      continue;
    }
    const close = text.indexOf("}", i + 2);
    if (close < 0) {
      problems.push({ offset: i, reason: "macro '%{' is not closed with '}'" });
      break;
    }
    flush();
    const body = text.slice(i + 2, close);
    const m = /^([A-Za-z])(\d*)(r?)(.*)$/i.exec(body);
    const letter = m?.[1].toLowerCase();
    if (!m || !letter || !LETTERS.includes(letter)) {
      problems.push({ offset: i, reason: `unknown macro letter in '%{${body}}': the letters are ${[...LETTERS].join(" ")}` });
    } else if (EXP_ONLY.includes(letter)) {
      problems.push({ offset: i, reason: `macro letter '${m[1]}' is allowed only in explanation text, not in a record (RFC 7208 7.2)` });
    } else if (m[2] && (Number(m[2]) === 0 || m[2].startsWith("0"))) {
      problems.push({ offset: i, reason: `macro '%{${body}}': the number of parts must be a nonzero number without leading zeros` });
    } else if ([...m[4]].some((d) => !DELIMITERS.includes(d))) {
      problems.push({ offset: i, reason: `macro '%{${body}}': after the letter come digits, 'r' and delimiters (${DELIMITERS}) only` });
    } else {
      parts.push({ kind: "expand", letter, ...(m[2] ? { digits: Number(m[2]) } : {}), reverse: m[3] !== "", delimiters: m[4] || "." });
    }
    i = close + 1;
  }
  flush();
  return { parts, problems };
}

/** Whether the parts use any macro that depends on the message (every letter but d). */
export const dependsOnMessage = (parts: readonly MacroPart[]): boolean => parts.some((p) => p.kind === "expand" && p.letter !== "d");

/**
 * The domain-spec with `%{d}` (= `domain`) and the escapes expanded (RFC 7208 7.3);
 * undefined when it uses a macro that depends on the message.
 */
export function expandForDomain(parts: readonly MacroPart[], domain: string): string | undefined {
  if (dependsOnMessage(parts)) return undefined;
  let out = "";
  for (const p of parts) {
    if (p.kind !== "expand") out += p.text;
    else {
      let labels = domain.split(new RegExp(`[${p.delimiters.replace(/[-\\\]^]/g, "\\$&")}]`));
      if (p.reverse) labels = labels.reverse();
      if (p.digits !== undefined) labels = labels.slice(-p.digits);
      out += labels.join(".");
    }
  }
  // 7.3: a name over 253 characters loses labels from the left.
  while (out.replace(/\.$/, "").length > MAX_NAME_OCTETS && out.includes(".")) out = out.slice(out.indexOf(".") + 1);
  return out.replace(/\.$/, "");
}
