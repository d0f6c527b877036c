/**
 * The one host-name grammar (src/dns/host-name.ts) and its named policies:
 * what each accepts (and in what form) and what each refuses, side by side,
 * so a difference between two policies is one that a table row shows.
 */
import { checkHostName, HOST_NAME_POLICIES, type HostNamePolicy, hostNameReason } from "../src/dns/host-name";

const label = (n: number, c = "a") => c.repeat(n);
/** Four labels, 253 octets: the longest name (255 on the wire). */
const NAME_253 = `${label(63)}.${label(63, "b")}.${label(63, "c")}.${label(61, "d")}`;
/** A U-label of 63 octets (UTF-8) whose A-label is 79: within the limit as written, over it once converted. */
const LONG_U_LABEL = "bbeกaあ2efhéb1gahgda中2efıㅎあжㅎbøꙮebกéaßßef";

/** `value` when accepted, `!kind` of the first problem when refused. */
function verdict(input: string, policy: HostNamePolicy): string {
  const c = checkHostName(input, policy);
  return c.ok ? c.value : `!${c.problems[0].kind}`;
}

const same = (value: string) => Object.fromEntries(HOST_NAME_POLICIES.map((p) => [p, value])) as Record<HostNamePolicy, string>;

// biome-ignore format: one row per input, one column per policy
const TABLE: [what: string, input: string, expected: Record<HostNamePolicy, string>][] = [
  ["a plain name", "example.com", same("example.com")],
  ["upper case and a trailing dot", "Example.COM.",
    { publish: "example.com", selector: "!empty-label", target: "example.com", receiver: "example.com", spf: "Example.COM", wire: "Example.COM", plan: "example.com", path: "Example.COM" }],
  ["two trailing dots", "example.com..",
    { publish: "!empty-label", selector: "!empty-label", target: "!empty-label", receiver: "!empty-label", spf: "!top-label", wire: "!empty-label", plan: "example.com.", path: "!empty-label" }],
  ["an IDN (U-labels)", "bücher.example",
    { publish: "xn--bcher-kva.example", selector: "!label", target: "!label", receiver: "!label", spf: "bücher.example", wire: "bücher.example", plan: "bücher.example", path: "bücher.example" }],
  ["an IDN as A-labels", "xn--bcher-kva.example", same("xn--bcher-kva.example")],
  ["a U-label whose A-label is over 63 octets", `${LONG_U_LABEL}.example`,
    { publish: "!label-length", selector: "!label", target: "!label", receiver: "!label", spf: `${LONG_U_LABEL}.example`, wire: `${LONG_U_LABEL}.example`, plan: `${LONG_U_LABEL}.example`, path: `${LONG_U_LABEL}.example` }],
  ["a leading underscore label", "_spf.esp.example",
    { publish: "!characters", selector: "!label", target: "_spf.esp.example", receiver: "!label", spf: "_spf.esp.example", wire: "_spf.esp.example", plan: "_spf.esp.example", path: "_spf.esp.example" }],
  ["an underscore inside a label", "a_b.example",
    { publish: "!characters", selector: "!label", target: "a_b.example", receiver: "!label", spf: "a_b.example", wire: "a_b.example", plan: "a_b.example", path: "a_b.example" }],
  ["a last label of digits", "example.123",
    { publish: "!numeric-last-label", selector: "example.123", target: "!numeric-last-label", receiver: "example.123", spf: "!top-label", wire: "example.123", plan: "example.123", path: "example.123" }],
  ["a last label a URL parser reads as hex", "example.0x1f",
    { publish: "!numeric-last-label", selector: "example.0x1f", target: "example.0x1f", receiver: "example.0x1f", spf: "example.0x1f", wire: "example.0x1f", plan: "example.0x1f", path: "example.0x1f" }],
  ["an IPv4 address", "192.0.2.1",
    { publish: "!numeric-last-label", selector: "192.0.2.1", target: "!ip-address", receiver: "192.0.2.1", spf: "!top-label", wire: "192.0.2.1", plan: "192.0.2.1", path: "192.0.2.1" }],
  ["one label", "localhost",
    { publish: "!one-label", selector: "localhost", target: "!one-label", receiver: "!one-label", spf: "!one-label", wire: "localhost", plan: "localhost", path: "localhost" }],
  ["a selector in upper case", "S1",
    { publish: "!one-label", selector: "s1", target: "!one-label", receiver: "!one-label", spf: "!one-label", wire: "S1", plan: "s1", path: "S1" }],
  ["a 63-octet label", `${label(63)}.example`, same(`${label(63)}.example`)],
  ["a 64-octet label", `${label(64)}.example`,
    { ...same("!label-length"), plan: `${label(64)}.example` }],
  ["a 253-octet name", NAME_253, same(NAME_253)],
  ["a 254-octet name", `${NAME_253}d`,
    { publish: "!name-length", selector: `${NAME_253}d`, target: "!name-length", receiver: `${NAME_253}d`, spf: "!name-length", wire: "!name-length", plan: "!name-length", path: "!name-length" }],
  ["an empty label", "a..example",
    { ...same("!empty-label"), plan: "a..example" }],
  ["a label starting with a hyphen", "-bad.example",
    { publish: "!label", selector: "!label", target: "!label", receiver: "!label", spf: "-bad.example", wire: "-bad.example", plan: "-bad.example", path: "-bad.example" }],
  ["a space", "bad host.example",
    { publish: "!characters", selector: "!label", target: "!label", receiver: "!label", spf: "bad host.example", wire: "bad host.example", plan: "!characters", path: "!label" }],
  ["a wildcard label", "*.example",
    { publish: "!characters", selector: "!label", target: "!label", receiver: "!label", spf: "*.example", wire: "*.example", plan: "*.example", path: "!label" }],
  ["the empty name (the root, on the wire)", "",
    { publish: "!empty", selector: "!empty", target: "!empty", receiver: "!one-label", spf: "!one-label", wire: "", plan: "!empty", path: "!empty" }],
];

describe.each(TABLE)("%s: %j", (_, input, expected) => {
  test.each(HOST_NAME_POLICIES)("%s", (policy) => {
    expect(verdict(input, policy)).toBe(expected[policy]);
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
    ["path", "-----BEGIN PRIVATE KEY-----", "is not shaped like a name"],
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
