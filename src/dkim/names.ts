/**
 * Names as DNS publishes them: domains normalised to lower-case A-labels
 * without a trailing dot; selectors per RFC 6376 3.1.
 */
import { isIP } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";
import { excerpt } from "../redact";
import { canonicalName } from "../dns/names";

export const MAX_LABEL_OCTETS = 63;
export const MAX_NAME_OCTETS = 253;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export type Checked = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Normalises a domain name to its published form (lower case, IDN to
 * A-labels, no trailing dot) and checks that it is a host name.
 */
export function normaliseDomain(input: string): Checked {
  const trimmed = input.trim().replace(/\.$/, "");
  if (trimmed === "") return { ok: false, reason: "is empty" };
  if (/[\s_*@/:]/.test(trimmed)) return { ok: false, reason: "is not a host name (letters, digits, hyphens and dots only)" };
  // Before the IDNA conversion too: WHATWG's domainToASCII turns `1.5` into the address 1.0.0.5.
  if (NUMERIC_LAST_LABEL.test(trimmed)) return { ok: false, reason: NUMERIC_REASON };
  const ascii = domainToASCII(trimmed);
  if (ascii === "") return { ok: false, reason: "is not a valid domain name (IDNA conversion failed)" };
  if (NUMERIC_LAST_LABEL.test(ascii)) return { ok: false, reason: NUMERIC_REASON };
  const checked = checkHostLabels(ascii);
  if (!checked.ok) return checked;
  if (!ascii.includes(".")) return { ok: false, reason: "needs at least two labels (e.g. example.com)" };
  return { ok: true, value: ascii };
}

/** A last label that WHATWG URL parsing reads as a number: decimal digits, or 0x and hex digits. */
const NUMERIC_LAST_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/i;
const NUMERIC_REASON = "ends in a label of digits only: a domain whose last label is all digits is not a host name (it reads as an IP address)";

function checkHostLabels(name: string): Checked {
  if (name.length > MAX_NAME_OCTETS) return { ok: false, reason: `is ${name.length} octets long; a DNS name has at most ${MAX_NAME_OCTETS}` };
  for (const label of name.split(".")) {
    if (label.length === 0) return { ok: false, reason: "has an empty label (two dots in a row)" };
    if (label.length > MAX_LABEL_OCTETS)
      return { ok: false, reason: `has a label of ${label.length} octets ('${excerpt(label, 20)}'); a label has at most ${MAX_LABEL_OCTETS}` };
    if (!LDH_LABEL.test(label))
      return { ok: false, reason: `has an invalid label '${excerpt(label)}': use letters, digits and hyphens, not starting or ending with a hyphen` };
  }
  return { ok: true, value: name };
}

/** Checks a CNAME target host name and returns it without a trailing dot, lower case. */
export function normaliseHostName(input: string): Checked {
  const name = canonicalName(input.trim());
  if (name === "") return { ok: false, reason: "is empty" };
  if (isIP(name.replace(/^\[(.*)\]$/, "$1")) || /^[0-9a-f:.]*:[0-9a-f:.]*$/.test(name))
    return { ok: false, reason: "is an IP address, and a CNAME points to a host name" };
  if (/(?:^|\.)\d+$/.test(name)) return { ok: false, reason: NUMERIC_REASON };
  // Targets of DKIM delegations may legitimately contain underscore labels (e.g. `_domainkey`).
  if (name.length > MAX_NAME_OCTETS) return { ok: false, reason: `is ${name.length} octets long; a DNS name has at most ${MAX_NAME_OCTETS}` };
  for (const label of name.split(".")) {
    if (!/^(?:_?[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)$/.test(label) || label.length > MAX_LABEL_OCTETS)
      return { ok: false, reason: `is not a host name: label '${excerpt(label)}' is invalid` };
  }
  if (!name.includes(".")) return { ok: false, reason: "is not a fully qualified host name" };
  return { ok: true, value: name };
}

/**
 * Checks a selector (RFC 6376 3.1: sub-domain *("." sub-domain), where a
 * sub-domain is letters, digits and hyphens) and returns it lower case.
 */
export function normaliseSelector(input: string): Checked {
  const sel = input.trim().toLowerCase();
  if (sel === "") return { ok: false, reason: "is empty" };
  for (const label of sel.split(".")) {
    if (label.length === 0) return { ok: false, reason: "has an empty label" };
    if (label.length > MAX_LABEL_OCTETS)
      return { ok: false, reason: `has a label of ${label.length} octets; a label has at most ${MAX_LABEL_OCTETS} (RFC 6376 3.1)` };
    if (!LDH_LABEL.test(label))
      return { ok: false, reason: "may contain only letters, digits and hyphens, not starting or ending with a hyphen (RFC 6376 3.1)" };
  }
  return { ok: true, value: sel };
}

const CONFUSABLE_SCRIPTS = ["Latin", "Cyrillic", "Greek"] as const;
const SCRIPT_PATTERNS = CONFUSABLE_SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, "u")] as const);

/**
 * The first label of a domain (A-labels or U-labels) whose letters mix Latin,
 * Cyrillic and Greek, as look-alike names do (`pаypal` with a Cyrillic `а`),
 * in its Unicode form, with the scripts it mixes. A label wholly in one script
 * is fine.
 */
export function mixedScriptLabel(domain: string): { label: string; scripts: string[] } | undefined {
  for (const label of domainToUnicode(domain).split(".")) {
    const scripts = SCRIPT_PATTERNS.filter(([, pattern]) => Array.from(label).some((c) => pattern.test(c))).map(([script]) => script);
    if (scripts.length > 1) return { label, scripts };
  }
  return undefined;
}

/** `<selector>._domainkey.<domain>` */
export function recordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** Whether `name` is `zone` or below it. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
