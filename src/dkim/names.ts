/**
 * Names as DNS publishes them: domains normalised to lower-case A-labels
 * without a trailing dot; selectors per RFC 6376 3.1.
 */
import { domainToASCII } from "node:url";

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
  const ascii = domainToASCII(trimmed);
  if (ascii === "") return { ok: false, reason: "is not a valid domain name (IDNA conversion failed)" };
  const checked = checkHostLabels(ascii);
  if (!checked.ok) return checked;
  if (!ascii.includes(".")) return { ok: false, reason: "needs at least two labels (e.g. example.com)" };
  return { ok: true, value: ascii };
}

function checkHostLabels(name: string): Checked {
  if (name.length > MAX_NAME_OCTETS) return { ok: false, reason: `is ${name.length} octets long; a DNS name has at most ${MAX_NAME_OCTETS}` };
  for (const label of name.split(".")) {
    if (label.length === 0) return { ok: false, reason: "has an empty label (two dots in a row)" };
    if (label.length > MAX_LABEL_OCTETS) return { ok: false, reason: `has a label of ${label.length} octets ('${label.slice(0, 20)}...'); a label has at most ${MAX_LABEL_OCTETS}` };
    if (!LDH_LABEL.test(label)) return { ok: false, reason: `has an invalid label '${label}': use letters, digits and hyphens, not starting or ending with a hyphen` };
  }
  return { ok: true, value: name };
}

/** Checks a CNAME target host name and returns it without a trailing dot, lower case. */
export function normaliseHostName(input: string): Checked {
  const name = input.trim().toLowerCase().replace(/\.$/, "");
  if (name === "") return { ok: false, reason: "is empty" };
  // Targets of DKIM delegations may legitimately contain underscore labels (e.g. `_domainkey`).
  if (name.length > MAX_NAME_OCTETS) return { ok: false, reason: `is ${name.length} octets long; a DNS name has at most ${MAX_NAME_OCTETS}` };
  for (const label of name.split(".")) {
    if (!/^(?:_?[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)$/.test(label) || label.length > MAX_LABEL_OCTETS)
      return { ok: false, reason: `is not a host name: label '${label}' is invalid` };
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
    if (label.length > MAX_LABEL_OCTETS) return { ok: false, reason: `has a label of ${label.length} octets; a label has at most ${MAX_LABEL_OCTETS} (RFC 6376 3.1)` };
    if (!LDH_LABEL.test(label)) return { ok: false, reason: "may contain only letters, digits and hyphens, not starting or ending with a hyphen (RFC 6376 3.1)" };
  }
  return { ok: true, value: sel };
}

/** `<selector>._domainkey.<domain>` */
export function recordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/** Whether `name` is `zone` or below it. */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}
