/**
 * The one host-name grammar (src/dns/host-name.ts) and its named policies:
 * what each accepts (and in what form) and what each refuses, side by side,
 * so a difference between two policies is one that a table row shows.
 */
import fc from "fast-check";
import { checkHostName, HOST_NAME_POLICIES, type HostNamePolicy, hostNameReason, readHostName } from "../src/dns/host-name";

const label = (n: number, c = "a") => c.repeat(n);
/** Four labels, 253 octets: the longest name (255 on the wire). */
const NAME_253 = `${label(63)}.${label(63, "b")}.${label(63, "c")}.${label(61, "d")}`;
/** A U-label of 63 octets (UTF-8) whose A-label is 79: within the limit as written, over it once converted. */
const LONG_U_LABEL = "bbeกaあ2efhéb1gahgda中2efıㅎあжㅎbøꙮebกéaßßef";

/** `=` when accepted as written, the name's form when accepted otherwise, `!kind` of the first problem when refused. */
function verdict(input: string, policy: HostNamePolicy): string {
  const c = checkHostName(input, policy);
  return c.ok ? (c.value === input ? "=" : c.value) : `!${c.problems[0].kind}`;
}

const all = (v: string) => HOST_NAME_POLICIES.map(() => v);
const L = "!label";
const ok = "=";
const LOWER = "example.com";

// Columns: publish, selector, target, receiver, spf, wire, plan, path.
// biome-ignore format: one row per input, one column per policy
const TABLE: [what: string, input: string, expected: string[]][] = [
  ["a plain name", "example.com", all(ok)],
  ["upper case and a trailing dot", "Example.COM.", [LOWER, "!empty-label", LOWER, LOWER, "Example.COM", "Example.COM", LOWER, "Example.COM"]],
  ["two trailing dots", "example.com..", [...all("!empty-label").slice(0, 4), "!top-label", "!empty-label", "example.com.", "!empty-label"]],
  ["an IDN (U-labels)", "bücher.example", ["xn--bcher-kva.example", L, L, L, ok, ok, ok, ok]],
  ["an IDN as A-labels", "xn--bcher-kva.example", all(ok)],
  ["a U-label whose A-label is over 63 octets", `${LONG_U_LABEL}.example`, ["!label-length", L, L, L, ok, ok, ok, ok]],
  ["a leading underscore label", "_spf.esp.example", ["!characters", L, ok, L, ok, ok, ok, ok]],
  ["an underscore inside a label", "a_b.example", ["!characters", L, ok, L, ok, ok, ok, ok]],
  ["a last label of digits", "example.123", ["!numeric-last-label", ok, "!numeric-last-label", ok, "!top-label", ok, ok, ok]],
  ["a last label a URL parser reads as hex", "example.0x1f", ["!numeric-last-label", ok, ok, ok, ok, ok, ok, ok]],
  ["an IPv4 address", "192.0.2.1", ["!numeric-last-label", ok, "!ip-address", ok, "!top-label", ok, ok, ok]],
  ["one label", "localhost", ["!one-label", ok, "!one-label", "!one-label", "!one-label", ok, ok, ok]],
  ["a selector in upper case", "S1", ["!one-label", "s1", "!one-label", "!one-label", "!one-label", ok, "s1", ok]],
  ["a 63-octet label", `${label(63)}.example`, all(ok)],
  ["a 64-octet label", `${label(64)}.example`, [...all("!label-length").slice(0, 6), ok, "!label-length"]],
  ["a 253-octet name", NAME_253, all(ok)],
  ["a 254-octet name", `${NAME_253}d`, ["!name-length", ok, "!name-length", ok, "!name-length", "!name-length", "!name-length", "!name-length"]],
  ["an empty label", "a..example", [...all("!empty-label").slice(0, 6), ok, "!empty-label"]],
  ["a label starting with a hyphen", "-bad.example", [L, L, L, L, ok, ok, ok, ok]],
  ["a space", "bad host.example", ["!characters", L, L, L, ok, ok, "!characters", L]],
  ["a wildcard label", "*.example", ["!characters", L, L, L, ok, ok, ok, L]],
  ["the empty name (the root, on the wire)", "", ["!empty", "!empty", "!empty", "!one-label", "!one-label", ok, "!empty", "!empty"]],
];

test("the table has a column per policy", () => {
  expect(HOST_NAME_POLICIES).toEqual(["publish", "selector", "target", "receiver", "spf", "wire", "plan", "path"]);
  for (const [, , expected] of TABLE) expect(expected).toHaveLength(HOST_NAME_POLICIES.length);
});

describe.each(TABLE)("%s: %j", (_, input, expected) => {
  test.each(HOST_NAME_POLICIES.map((policy, i) => [policy, expected[i]]))("%s: %s", (policy, want) => {
    expect(verdict(input, policy as HostNamePolicy)).toBe(want);
  });
});

describe("each policy's reasons, as its messages quote them", () => {
  test.each([
    ["publish", "a..example", "has an empty label (two dots in a row)"],
    ["publish", `${label(64)}.example`, "has a label of 64 octets ('aaaaaaaaaaaaaaaaaaaa…'); a label has at most 63"],
    ["publish", "-bad.example", "has an invalid label '-bad': use letters, digits and hyphens, not starting or ending with a hyphen"],
    ["publish", `${NAME_253}d`, "is 254 octets long; a DNS name has at most 253"],
    ["publish", "bad_name.example", "is not a host name (letters, digits, hyphens and dots only)"],
    ["publish", "example.123", "ends in a label of digits only: a domain whose last label is all digits is not a host name (it reads as an IP address)"],
    ["publish", "localhost", "needs at least two labels (e.g. example.com)"],
    ["selector", `${label(64)}`, "has a label of 64 octets; a label has at most 63 (RFC 6376 3.1)"],
    ["selector", "s_1", "may contain only letters, digits and hyphens, not starting or ending with a hyphen (RFC 6376 3.1)"],
    ["target", "192.0.2.1", "is an IP address, not a host name"],
    ["target", "a..example", "is not a host name: label '' is invalid"],
    ["target", "localhost", "is not a fully qualified host name"],
    ["receiver", "exa_mple.com", 'is not a valid host name (label "exa_mple")'],
    ["receiver", "localhost", "is not a fully qualified domain name"],
    ["spf", "example", "is not a fully qualified domain name (it needs a dot and a top-level label)"],
    ["spf", "1.2.3.4", "does not end in a top-level label ('4' must be letters, digits and inner hyphens, not all digits)"],
    ["spf", "a..example.com", "has an empty label ('..' or a leading dot)"],
    ["wire", `${label(64)}.example`, "a label must be 1..63 octets"],
    ["wire", `${NAME_253}d`, "longer than 255 octets"],
    ["plan", "a b", "is not a DNS name"],
    // A PEM header, built here: written whole in a source file it would trip test/secrets.test.ts.
    ["path", `-----BEGIN ${"PRIVATE"} KEY-----`, "is not shaped like a name"],
  ] as [HostNamePolicy, string, string][])("%s %j: %s", (policy, input, reason) => {
    expect(checkHostName(input, policy)).toMatchObject({ ok: false, reason });
  });

  test("a part of a name checked on its own gets the policy's phrase", () => {
    expect(hostNameReason({ kind: "top-label", label: "x-" }, "spf")).toBe(
      "does not end in a top-level label ('x-' must be letters, digits and inner hyphens, not all digits)",
    );
  });
});

test("every problem of a name is kept, in order; the reason is the first one's", () => {
  const checked = checkHostName("-a..b-.example.123", "selector");
  expect(checked).toEqual({
    ok: false,
    reason: "may contain only letters, digits and hyphens, not starting or ending with a hyphen (RFC 6376 3.1)",
    problems: [{ kind: "label", label: "-a" }, { kind: "empty-label" }, { kind: "label", label: "b-" }],
  });
  // A gate (here: the characters a URL parser would misread) ends the reading: the labels are not read on.
  expect(checkHostName("a@b..example", "publish")).toMatchObject({ ok: false, problems: [{ kind: "characters" }] });
});

describe("the shortcut for plain names reads as the whole reading does", () => {
  // Labels near the edges the shortcut decides on: hyphens first and last, A-label prefixes, digits last, 63 and 64 characters.
  const part = fc.oneof(
    fc.stringMatching(/^[a-z0-9-]{1,6}$/),
    fc.constantFrom("xn--", "xn--bcher-kva", "XN--", "0x1f", "123", "-", "--", "_", "A", "é", " ", ".", ""),
    fc.integer({ min: 60, max: 65 }).map((n) => "a".repeat(n)),
  );
  const anyLabel = fc.array(part, { minLength: 1, maxLength: 3 }).map((p) => p.join(""));
  const name = fc.array(anyLabel, { minLength: 1, maxLength: 6 }).map((l) => l.join("."));

  test.each(["publish", "selector", "target"] as const)("%s: checkHostName agrees with readHostName", (policy) => {
    fc.assert(
      fc.property(name, (input) => {
        expect(checkHostName(input, policy)).toEqual(readHostName(input, policy));
      }),
      { numRuns: 5000 },
    );
  });

  test("names at the length limits", () => {
    for (const input of [NAME_253, `${NAME_253}d`, `${label(63)}.example`, `${label(64)}.example`, "a.b", "a", "1.example.0x1", "example.com"])
      for (const policy of ["publish", "selector", "target"] as const) expect(checkHostName(input, policy)).toEqual(readHostName(input, policy));
  });
});
