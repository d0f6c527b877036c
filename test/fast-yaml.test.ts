/**
 * The fast read of YAML (src/config/fast-yaml.ts) makes exactly the data the
 * `yaml` package makes, or leaves the file to it; and a file it takes still
 * reports every problem at the same file:line:col as a file read with
 * positions from the start.
 */
import fc from "fast-check";
import { yamlData } from "./support/yaml-data";
import { fastYaml } from "../src/config/fast-yaml";
import type { Problem } from "../src/config/problems";
import { YamlSource } from "../src/config/yaml-source";

/** parseConfig of a module registry of its own; `fast: false` without the fast read (every file parsed with positions). */
function parseConfigOf(fast: boolean): typeof import("../src/config/load").parseConfig {
  let parse: typeof import("../src/config/load").parseConfig | undefined;
  jest.isolateModules(() => {
    if (!fast) jest.doMock("../src/config/fast-yaml", () => ({ fastYaml: () => undefined }));
    parse = (require("../src/config/load") as typeof import("../src/config/load")).parseConfig;
  });
  return parse!;
}
const parsers = { fast: parseConfigOf(true), slow: parseConfigOf(false) };

/** Every problem of a config text, read with or without the fast read. */
function loadProblems(text: string, fast: boolean): Problem[] {
  try {
    parsers[fast ? "fast" : "slow"]("domains.yaml", text);
    return [];
  } catch (e) {
    return (e as { problems: Problem[] }).problems;
  }
}

const agrees = (text: string) => {
  const fast = fastYaml(text);
  if (fast === undefined) return;
  const slow = yamlData(text);
  expect({ text, data: slow?.data }).toEqual({ text, data: fast.data });
  expect(slow).toBeDefined();
};

const SCALARS = [
  "1",
  "-0",
  "+12",
  "0o17",
  "017",
  "0x1F",
  "0b101",
  "1_000",
  "1e3",
  "1.5e+3",
  ".5",
  "+.5",
  "5.",
  "1e400",
  ".inf",
  "-.Inf",
  ".NaN",
  "NaN",
  "~",
  "null",
  "Null",
  "NULL",
  "",
  "''",
  '""',
  "true",
  "True",
  "TRUE",
  "tRue",
  "yes",
  "on",
  "2026-01-01",
  "2026-01-01T00:00:00Z",
  "12:30:00",
  "a b",
  "a:b",
  "a #b",
  "a#b",
  "'it''s'",
  '"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\0\\/"',
  '"a\\\n  b"',
  "'x",
  '"x',
  "@x",
  "`x",
  "%x",
  "-",
  "- b",
  "|\n  x\n  y\n",
  ">\n  x\n\n  y\n",
  "|-\n  x\n",
  "|+\n  x\n\n",
  ">2\n   x\n",
  "[1, 2]",
  "{a: 1}",
  "[a, {b: c}]",
  "{b: 1,}",
  "[1,,2]",
  "!!str 1",
  "&x 1",
  "*x",
  "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB",
  '"v=DKIM1; k=rsa; " "p=MIIB"',
  "plain\n  continued",
  "\t1",
  "x\r",
];
const KEYS = ["a", "b", "1", "1.0", "true", "~", "null", "__proto__", "'a'", '"a b"', "a b", "? a", "[a, b]", "-a", "a-", "xn--bcher-kva.example", "s2026a"];

test("hand-picked scalars and keys: the fast read agrees with yaml or declines", () => {
  for (const v of SCALARS) for (const text of [`a: ${v}`, `- ${v}`, `a:\n  b: ${v}\n  c: 1`, `[${v}]`, `{a: ${v}}`, v]) agrees(text);
  for (const k of KEYS) for (const text of [`${k}: 1`, `x:\n  ${k}: 1\n  y: 2`, `{${k}: 1}`]) agrees(text);
  for (const text of ["a: 1\na: 2", "'a': 1\na: 2", "a: 1\n---\nb: 2\n", "--- \na: 1\n...\n", "a: x\r\nb: y\r\n", "a: x\rb: y", "%YAML 1.1\n---\na: yes"])
    agrees(text);
});

test("every valid bundled-style file is taken by the fast read, with the same data", () => {
  const text = [
    "# yaml-language-server: $schema=domains.schema.json",
    "version: 1",
    "defaults: { ttl: 3600, key: rsa-2048 }",
    "zones:",
    "  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }",
    "domains:",
    "  example.com:",
    "    selectors:",
    '      s1: { txt: "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" }',
    "      s2: { cname: s2.domainkey.u1.wl.sendgrid.net }",
    "      e1:",
    "        key: ed25519",
    "        note: >-",
    "          folded note",
    "    dmarc: { policy: reject, rua: [reports@example.com] }",
  ].join("\n");
  expect(fastYaml(text)).toBeDefined();
  agrees(text);
});

/** Documents of mappings, sequences and scalars in block and flow styles, from pieces that stress the two parsers' differences. */
const piece = fc.constantFrom(...SCALARS, ...KEYS, ":", ": ", "- ", "\n", "\n  ", "\n    ", "#", " ", "\t", "'", '"', "[", "]", "{", "}", ",", "?", "|", ">");
const soup = fc.array(piece, { maxLength: 24 }).map((parts) => parts.join(""));
const scalar = fc.constantFrom(...SCALARS.filter((s) => !s.includes("\n")));
const key = fc.constantFrom(...KEYS);
const block: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc
      .array(fc.tuple(key, tie("node")), { minLength: 1, maxLength: 4 })
      .map((pairs) => pairs.map(([k, v]) => `${k}:${v.includes("\n") ? "" : " "}${indent(v)}`).join("\n")),
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((items) => items.map((v) => `- ${indent(v)}`).join("\n")),
  ),
})).node;
const indent = (v: string) => (v.includes("\n") ? `\n${v.replace(/^/gm, "  ")}` : v);

test("generated documents: the fast read agrees with yaml or declines", () => {
  fc.assert(
    fc.property(fc.oneof(soup, block), (text) => agrees(text)),
    { numRuns: 3000 },
  );
});

test("a problem in a file the fast read took is at the same file:line:col as with positions from the start", () => {
  const bad = [
    // Valid YAML, invalid config: the fast read takes it, the problem's position is found by parsing again.
    "version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com:\n" +
      "    selectors:\n      s1: { key: rsa-1024 }\n      s2: { colour: blue }\n",
    "version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  other.org: { selectors: { s1: {} } }\n  example.com:\n    selectorz: {}\n",
    "version: 2\n",
    // What the fast read declines: a syntax error, a duplicate key, a tag, an alias bomb.
    "version: 1\nzones:\n  example.com: { provider: route53 }\n  example.com: { provider: route53 }\ndomains: {}\n",
    "version: 1\nzones: [unclosed\n",
    "version: !!binary 1\n",
    "a: &a [1, 1]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: &d [*c, *c]\ne: &e [*d, *d]\nf: &f [*e, *e]\ng: &g [*f, *f]\nh: [*g, *g]\n",
  ];
  for (const text of bad) {
    const fast = loadProblems(text, true);
    expect(fast.length).toBeGreaterThan(0);
    expect({ text, problems: fast }).toEqual({ text, problems: loadProblems(text, false) });
  }
  // The first kind is read fast: it is the lazily parsed document that placed its problems.
  expect(fastYaml(bad[0])).toBeDefined();
  expect(fastYaml(bad[3])).toBeUndefined();
});

test("a private key pasted into a file the fast read took is still found at its line", () => {
  const b64 = Buffer.from(require("node:crypto").generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" }) as Buffer).toString(
    "base64",
  );
  const text = `version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com:\n    selectors:\n      s1: { txt: "${b64}${b64}" }\n`;
  const { source } = YamlSource.parse("domains.yaml", text);
  expect(source.nodeProblems().map((p) => [p.line, p.path])).toEqual([[7, "domains/example.com/selectors/s1/txt"]]);
});
