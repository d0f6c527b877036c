/**
 * One grammar of host names, read under named policies. A name is labels
 * joined by dots; what a label may hold, how many there must be, how long
 * the name may be and whether U-labels become A-labels depends on who reads
 * the name, so each reader is a policy, written here beside the others:
 *
 * - `publish`: a zone or sender domain dkimctl publishes under, and a report
 *   address's mail domain in the DMARC records it writes. Letters, digits
 *   and hyphens (RFC 1123 2.1), U-labels as A-labels (IDNA, UTS #46), two
 *   labels or more, at most 253 octets; no last label a URL parser reads as
 *   a number (WHATWG's, which does the IDNA conversion).
 * - `selector`: a DKIM selector (RFC 6376 3.1): letters, digits and hyphens,
 *   one label or more, no IDNA.
 * - `target`: a name dkimctl points at without publishing under it (a CNAME
 *   target, an SPF include to check): labels may hold underscores (the
 *   `_domainkey` and `_spf` labels of the names signing providers give), two
 *   labels or more, at most 253 octets, not an IP address nor a name ending
 *   in digits only.
 * - `receiver`: a mail domain in a published DMARC record, as receivers
 *   accept it (RFC 7489 6.4): two labels or more of letters, digits and
 *   hyphens, 1..63 octets each; no limit of the name's length checked.
 * - `spf`: a plain domain-spec in an SPF record (RFC 7208 12): any visible
 *   characters, labels 1..63, at most 253, a last label that is an SPF
 *   `toplabel` (not all digits), two labels or more.
 * - `wire`: what the DNS wire format carries (RFC 1035 3.1): labels of
 *   1..63 octets, at most 255 octets encoded; the root ("" or ".") too.
 * - `plan`: a record name in a Terraform plan: not empty, at most 253
 *   octets, no whitespace or control characters (what a provider holds is
 *   judged after, against the records dkimctl publishes).
 * - `path`: a key of domains.yaml shaped like a name, which a problem's path
 *   shows whole (any other key only as an excerpt): labels of letters and
 *   digits of any script, hyphens and underscores, at most 253 octets.
 *
 * Each policy phrases its own problems: a reason reads after the name, e.g.
 * `domain name 'a..b' has an empty label (two dots in a row)`.
 */
import { isIP } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";
import { excerpt } from "../redact";
import { canonicalName } from "./names";

export const MAX_LABEL_OCTETS = 63;
/** The presentation form without its trailing dot: 253 octets are the 255 of the wire form (RFC 1035 3.1). */
export const MAX_NAME_OCTETS = 253;
const MAX_WIRE_OCTETS = 255;

export type HostNamePolicy = "publish" | "selector" | "target" | "receiver" | "spf" | "wire" | "plan" | "path";
export const HOST_NAME_POLICIES: readonly HostNamePolicy[] = ["publish", "selector", "target", "receiver", "spf", "wire", "plan", "path"];

/** One reason a name is refused. */
export type HostNameProblem =
  | { readonly kind: "empty" }
  /** A character the policy refuses anywhere in the name. */
  | { readonly kind: "characters" }
  | { readonly kind: "ip-address" }
  /** The last label is a number (digits; for `publish` also 0x and hex digits), so the name reads as an address. */
  | { readonly kind: "numeric-last-label" }
  | { readonly kind: "idna" }
  /** `octets`: the presentation form's, or for `wire` the encoded name's. */
  | { readonly kind: "name-length"; readonly octets: number }
  | { readonly kind: "empty-label" }
  | { readonly kind: "label-length"; readonly label: string; readonly octets: number }
  | { readonly kind: "label"; readonly label: string }
  | { readonly kind: "one-label" }
  | { readonly kind: "top-label"; readonly label: string };

export type CheckedName =
  | { readonly ok: true; readonly value: string }
  /** `reason`: the first problem, phrased by the policy; `problems`: every one found. */
  | { readonly ok: false; readonly reason: string; readonly problems: readonly HostNameProblem[] };

type Rule = (name: string) => HostNameProblem[];
const none: HostNameProblem[] = [];

const octets = (s: string) => Buffer.byteLength(s, "utf8");
/** Letters, digits and hyphens, not starting or ending with a hyphen (RFC 1123 2.1). */
const LDH = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
/** LDH, and underscores: inside, or leading (`_domainkey`, RFC 8552). */
const LDH_UNDERSCORE = /^_?[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?$/;
const ANY = /^/;
/** RFC 7208 12 toplabel: alphanumerics with a letter, or with an inner hyphen. */
const TOP_LABEL = /^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9])$/;
/** A last label that WHATWG URL parsing reads as a number: decimal digits, or 0x and hex digits. */
const URL_NUMBER = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/i;
const DIGITS = /(?:^|\.)\d+$/;

const rules = {
  empty: ((name) => (name === "" ? [{ kind: "empty" }] : none)) as Rule,
  characters:
    (refused: RegExp): Rule =>
    (name) =>
      refused.test(name) ? [{ kind: "characters" }] : none,
  numericLastLabel:
    (number: RegExp): Rule =>
    (name) =>
      number.test(name) ? [{ kind: "numeric-last-label" }] : none,
  ipAddress: ((name) => (isIP(name.replace(/^\[(.*)\]$/, "$1")) || /^[0-9a-f:.]*:[0-9a-f:.]*$/.test(name) ? [{ kind: "ip-address" }] : none)) as Rule,
  nameLength: ((name) => (octets(name) > MAX_NAME_OCTETS ? [{ kind: "name-length", octets: octets(name) }] : none)) as Rule,
  wireLength: ((name) => {
    const encoded = name === "" ? 1 : octets(name) + 2;
    return encoded > MAX_WIRE_OCTETS ? [{ kind: "name-length", octets: encoded }] : none;
  }) as Rule,
  twoLabels: ((name) => (name.includes(".") ? none : [{ kind: "one-label" }])) as Rule,
  topLabel: ((name) => {
    const last = name.slice(name.lastIndexOf(".") + 1);
    return name.includes(".") && !TOP_LABEL.test(last) ? [{ kind: "top-label", label: last }] : none;
  }) as Rule,
  /** Each label: not empty, at most 63 octets, and of the pattern; one problem per label at most. */
  labels:
    (pattern: RegExp): Rule =>
    (name) =>
      name === ""
        ? none
        : name.split(".").flatMap((label): HostNameProblem[] => {
            if (label === "") return [{ kind: "empty-label" }];
            if (octets(label) > MAX_LABEL_OCTETS) return [{ kind: "label-length", label, octets: octets(label) }];
            return pattern.test(label) ? [] : [{ kind: "label", label }];
          }),
};

/** U-labels to A-labels (WHATWG's domainToASCII, UTS #46 processing), or the IDNA problem. */
const TO_ASCII = "to-ascii";

interface Policy {
  /** The form the name is checked in and returned in. */
  readonly read: (input: string) => string;
  /** In order; the first that finds a problem ends the reading (later checks would read nonsense). */
  readonly gates: readonly (Rule | typeof TO_ASCII)[];
  /** Each applied; every problem kept, in this order. */
  readonly rules: readonly Rule[];
  readonly say: (p: HostNameProblem) => string;
}

const NUMERIC_REASON = "ends in a label of digits only: a domain whose last label is all digits is not a host name (it reads as an IP address)";
const tooLong = (p: { octets: number }) => `is ${p.octets} octets long; a DNS name has at most ${MAX_NAME_OCTETS}`;
const withoutDot = (input: string) => input.trim().replace(/\.$/, "");

const POLICIES: Record<HostNamePolicy, Policy> = {
  publish: {
    read: withoutDot,
    // Before the IDNA conversion too: WHATWG's domainToASCII turns `1.5` into the address 1.0.0.5, and takes `a@b`, `a/b` and `a:1` as URL parts.
    gates: [rules.empty, rules.characters(/[\s_*@/:]/), rules.numericLastLabel(URL_NUMBER), TO_ASCII, rules.numericLastLabel(URL_NUMBER)],
    rules: [rules.nameLength, rules.labels(LDH), rules.twoLabels],
    say: (p) => {
      switch (p.kind) {
        case "characters":
          return "is not a host name (letters, digits, hyphens and dots only)";
        case "idna":
          return "is not a valid domain name (IDNA conversion failed)";
        case "empty-label":
          return "has an empty label (two dots in a row)";
        case "label-length":
          return `has a label of ${p.octets} octets ('${excerpt(p.label, 20)}'); a label has at most ${MAX_LABEL_OCTETS}`;
        case "label":
          return `has an invalid label '${excerpt(p.label)}': use letters, digits and hyphens, not starting or ending with a hyphen`;
        case "one-label":
          return "needs at least two labels (e.g. example.com)";
        default:
          return common(p);
      }
    },
  },
  selector: {
    read: (input) => input.trim().toLowerCase(),
    gates: [rules.empty],
    rules: [rules.labels(LDH)],
    say: (p) => {
      switch (p.kind) {
        case "empty-label":
          return "has an empty label";
        case "label-length":
          return `has a label of ${p.octets} octets; a label has at most ${MAX_LABEL_OCTETS} (RFC 6376 3.1)`;
        case "label":
          return "may contain only letters, digits and hyphens, not starting or ending with a hyphen (RFC 6376 3.1)";
        default:
          return common(p);
      }
    },
  },
  target: {
    read: (input) => canonicalName(input.trim()),
    gates: [rules.empty, rules.ipAddress, rules.numericLastLabel(DIGITS)],
    rules: [rules.nameLength, rules.labels(LDH_UNDERSCORE), rules.twoLabels],
    say: (p) => {
      switch (p.kind) {
        case "ip-address":
          return "is an IP address, not a host name";
        case "empty-label":
        case "label-length":
        case "label":
          return `is not a host name: label '${excerpt(p.kind === "empty-label" ? "" : p.label)}' is invalid`;
        case "one-label":
          return "is not a fully qualified host name";
        default:
          return common(p);
      }
    },
  },
  receiver: {
    read: canonicalName,
    gates: [],
    rules: [rules.twoLabels, rules.labels(LDH)],
    say: (p) => {
      switch (p.kind) {
        case "one-label":
          return "is not a fully qualified domain name";
        case "empty-label":
        case "label-length":
        case "label":
          return `is not a valid host name (label "${p.kind === "empty-label" ? "" : p.label}")`;
        default:
          return common(p);
      }
    },
  },
  spf: {
    read: (input) => input.replace(/\.$/, ""),
    gates: [],
    rules: [rules.twoLabels, rules.topLabel, rules.labels(ANY), rules.nameLength],
    say: (p) => {
      switch (p.kind) {
        case "one-label":
          return "is not a fully qualified domain name (it needs a dot and a top-level label)";
        case "top-label":
          return `does not end in a top-level label ('${p.label}' must be letters, digits and inner hyphens, not all digits)`;
        case "empty-label":
          return "has an empty label ('..' or a leading dot)";
        case "label-length":
          return `has a label longer than ${MAX_LABEL_OCTETS} characters`;
        case "name-length":
          return `is longer than ${MAX_NAME_OCTETS} characters`;
        default:
          return common(p);
      }
    },
  },
  wire: {
    read: (input) => input.replace(/\.$/, ""),
    gates: [],
    rules: [rules.labels(ANY), rules.wireLength],
    say: (p) => (p.kind === "name-length" ? `longer than ${MAX_WIRE_OCTETS} octets` : `a label must be 1..${MAX_LABEL_OCTETS} octets`),
  },
  plan: {
    read: canonicalName,
    gates: [rules.empty],
    rules: [rules.nameLength, rules.characters(/[\s\u0000-\u001f\u007f]/)],
    say: () => "is not a DNS name",
  },
  path: {
    read: (input) => input.replace(/\.$/, ""),
    gates: [rules.empty],
    rules: [rules.nameLength, rules.labels(/^[\p{L}\p{N}_-]+$/u)],
    say: () => "is not shaped like a name",
  },
};

/** Phrases that read the same under every policy that can find the problem. */
function common(p: HostNameProblem): string {
  switch (p.kind) {
    case "empty":
      return "is empty";
    case "numeric-last-label":
      return NUMERIC_REASON;
    case "name-length":
      return tooLong(p);
    default:
      return `is not a host name (${p.kind})`;
  }
}

/** The reason a policy gives for a problem, e.g. for a part of a name checked on its own. */
export function hostNameReason(problem: HostNameProblem, policy: HostNamePolicy): string {
  return POLICIES[policy].say(problem);
}

/**
 * Lower-case LDH labels of 1..63 characters joined by dots: what nearly every
 * name of a project is, and what `publish` (two labels or more, without an
 * A-label or a number last, at most 253 octets), `target` (two labels or
 * more, no digits last, at most 253 octets) and `selector` read as
 * themselves, ok. Answered without the full reading: a large project has
 * 80,000 such names to check.
 * test/host-name.test.ts holds the shortcut to readHostName.
 */
const PLAIN_LDH_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** A label that starts `xn--` (any case): an A-label, whose Unicode form is checked. */
const A_LABEL = /(?:^|\.)xn--/i;

function isPlainName(input: string, policy: HostNamePolicy): boolean {
  if (policy === "selector") return PLAIN_LDH_NAME.test(input);
  if (policy === "publish")
    return input.length <= MAX_NAME_OCTETS && input.includes(".") && PLAIN_LDH_NAME.test(input) && !A_LABEL.test(input) && !URL_NUMBER.test(input);
  if (policy === "target") return input.length <= MAX_NAME_OCTETS && input.includes(".") && PLAIN_LDH_NAME.test(input) && !DIGITS.test(input);
  return false;
}

/** Reads `input` under a policy: the name in the policy's form, or every problem and the first one's reason. */
export function checkHostName(input: string, policy: HostNamePolicy): CheckedName {
  return isPlainName(input, policy) ? { ok: true, value: input } : readHostName(input, policy);
}

/** checkHostName without its shortcut for plain names: the policy's whole reading (for tests of the shortcut). */
export function readHostName(input: string, policy: HostNamePolicy): CheckedName {
  const { read, gates, rules: checks, say } = POLICIES[policy];
  const refuse = (problems: HostNameProblem[]): CheckedName => ({ ok: false, reason: say(problems[0]), problems });
  let name = read(input);
  for (const gate of gates) {
    if (gate === TO_ASCII) {
      name = domainToASCII(name);
      if (name === "") return refuse([{ kind: "idna" }]);
      continue;
    }
    const problems = gate(name);
    if (problems.length) return refuse(problems);
  }
  const problems = checks.flatMap((check) => check(name));
  return problems.length ? refuse(problems) : { ok: true, value: name };
}

/** An SPF `toplabel` (RFC 7208 12): what a domain-spec ending in a macro must still end in after its last dot. */
export function isTopLabel(label: string): boolean {
  return TOP_LABEL.test(label);
}

const ASCII = /^[\x00-\x7f]*$/;
const CONFUSABLE_SCRIPTS = ["Latin", "Cyrillic", "Greek"] as const;
const SCRIPT_PATTERNS = CONFUSABLE_SCRIPTS.map((script) => [script, new RegExp(`\\p{Script=${script}}`, "u")] as const);

/**
 * The first label of a domain (A-labels or U-labels) whose letters mix Latin,
 * Cyrillic and Greek, as look-alike names do (`pаypal` with a Cyrillic `а`),
 * in its Unicode form, with the scripts it mixes. A label wholly in one script
 * is fine.
 */
export function mixedScriptLabel(domain: string): { label: string; scripts: string[] } | undefined {
  // ASCII letters are all Latin: only a U-label or an A-label (xn--) can mix scripts.
  if (ASCII.test(domain) && !A_LABEL.test(domain)) return undefined;
  for (const label of domainToUnicode(domain).split(".")) {
    const scripts = SCRIPT_PATTERNS.filter(([, pattern]) => Array.from(label).some((c) => pattern.test(c))).map(([script]) => script);
    if (scripts.length > 1) return { label, scripts };
  }
  return undefined;
}
