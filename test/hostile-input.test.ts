/**
 * Hostile and malformed domains.yaml and dkim.lock.yaml: every problem is
 * reported at once with FILE:LINE:COL, nothing echoes a private key or a long
 * value, and names that are not host names are refused (issue 7).
 */
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, parseConfig } from "../src/config/load";
import type { Config } from "../src/config/model";
import { formatProblem, InputError, type Problem } from "../src/config/problems";
import { Lock } from "../src/keys/lock";
import { desiredRecords } from "../src/records";
import { parseIsoTime } from "../src/time";
import { dkimctl, tempDir, tempProject } from "./support/project";

const PRIVATE_KEY = /^this is a private key: never put it in domains\.yaml; remove it from the file and from git history, and treat the key as compromised$/;

function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (e) {
    if (e instanceof InputError) return [...e.problems];
    throw e;
  }
  throw new Error("expected the input to be rejected");
}

const configProblems = (text: string) => problemsOf(() => parseConfig("domains.yaml", text));
const brief = (ps: Problem[]) => ps.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);

const ZONE = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
`;

/** Real keys, made here: a PEM literal in a source file would trip test/secrets.test.ts. */
const rsaPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const rsaPkcs1 = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }) as string;
const edPem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const edDer = (generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "der" }) as Buffer).toString("base64");
/** The PEM as a YAML double-quoted scalar (newlines escaped). */
const quoted = (pem: string) => JSON.stringify(pem);
/** Key material: the lines of a PEM body. */
const bodyLines = (pem: string) => pem.trim().split("\n").slice(1, -1);
/** Key material: 16-character windows of a DER key in base64, past the header every Ed25519 key shares. */
const windows = (b64: string) => Array.from({ length: b64.length - 16 }, (_, i) => b64.slice(i, i + 16)).slice(24);

function expectNoKeyMaterial(text: string, pem = rsaPem) {
  for (const line of bodyLines(pem)) expect(text).not.toContain(line);
  // A window from inside each line too; the last line may be shorter than 21 characters (its window would be "", in every text).
  for (const line of bodyLines(pem).filter((l) => l.length > 20)) expect(text).not.toContain(line.slice(20, 44));
}

describe("parseIsoTime: strict ISO 8601", () => {
  test.each([
    ["2026-01-01", "2026-01-01T00:00:00.000Z"],
    ["2026-11-26T04:00:00Z", "2026-11-26T04:00:00.000Z"],
    ["2026-11-26T04:00Z", "2026-11-26T04:00:00.000Z"],
    ["2026-11-26T04:00:00.5Z", "2026-11-26T04:00:00.500Z"],
    ["2026-11-26T05:30:00+01:30", "2026-11-26T04:00:00.000Z"],
    ["2026-11-25T23:00:00-0500", "2026-11-26T04:00:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["0001-01-01", "0001-01-01T00:00:00.000Z"],
    ["0050-06-01T00:00:00Z", "0050-06-01T00:00:00.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(parseIsoTime(text)?.toISOString()).toBe(iso);
  });

  test.each([
    "2026-02-30",
    "2025-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T23:60:00Z",
    "2026-01-01T23:59:60Z",
    "0000-01-01",
    "2026-11",
    "2026",
    "2026-11-26T04",
    "2026-11-26T04:00:00",
    "2026-11-26T04:00:00+25:00",
    "2026-11-26 04:00:00Z",
    " 2026-11-26",
    "26-11-2026",
    "2026-1-1",
    "tomorrow",
    "",
  ])("%j is refused", (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });
});

describe("every problem is reported in one run (item 2)", () => {
  test("a domain under no zone still has its selectors checked", () => {
    const ps = configProblems(`version: 1
zones:
  example.org: { provider: route53 }
domains:
  example.com:
    selectors:
      s_1: {}
      s2: {key: rsa-2048, txt: "x"}
      ok1: {key: ed25519, cname: a.b.c, note: "x;y"}
`);
    const lines = brief(ps);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^5:3 domains\/example.com: example.com is under no zone in 'zones'/),
        expect.stringMatching(/^7:7 domains\/example.com\/selectors\/s_1: selector 's_1' may contain only letters, digits and hyphens/),
        expect.stringMatching(/^8:32 domains\/example.com\/selectors\/s2\/txt: a selector is published one way, but this one has key and txt/),
        expect.stringMatching(/^9:34 domains\/example.com\/selectors\/ok1\/cname: a selector is published one way, but this one has key and cname/),
        expect.stringMatching(/^9:47 domains\/example.com\/selectors\/ok1\/note: the note may not contain ';'/),
      ]),
    );
  });

  test("an invalid domain name and a duplicate selector do not hide the problems inside them", () => {
    const ps = configProblems(`${ZONE}  bad_name.example.com:
    selectors:
      s1: { ttl: 5, key: ed25519, txt: "v=DKIM1; p=" }
  example.com:
    selectors:
      s1: {}
      S1: { note: "a;b" }
`);
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^5:3 domains\/bad_name.example.com: domain name 'bad_name.example.com' is not a host name/),
      expect.stringMatching(/^7:40 domains\/bad_name.example.com\/selectors\/s1\/txt: a selector is published one way/),
      expect.stringMatching(/^11:7 domains\/example.com\/selectors\/S1: selector s1 is listed twice/),
      expect.stringMatching(/^11:19 domains\/example.com\/selectors\/S1\/note: the note may not contain ';'/),
    ]);
  });

  test("an invalid zone name still has its zone id checked", () => {
    const ps = configProblems(`version: 1\nzones:\n  "bad zone": { provider: route53, zoneId: nope }\ndomains: {}\n`);
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^3:3 zones\/bad zone: zone name 'bad zone' is not a host name/),
      expect.stringMatching(/^3:44 zones\/bad zone\/zoneId: 'nope' is not a route53 zone id/),
    ]);
  });
});

describe("a hand-written selector may not take a rotated selector's name (item 3)", () => {
  const rotated = `version: 1
defaults: { key: ed25519 }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
  example.com:
    rotation: { every: 10d, publishAhead: 1d }
`;

  test("validate and records refuse it at the selector's line, and the lock is untouched", async () => {
    const p = tempProject(rotated);
    expect((await dkimctl("rotate", "--now", "2026-01-01T00:00:00Z", "--config", p.config)).code).toBe(0);
    expect((await dkimctl("rotate", "--now", "2026-01-03T00:00:00Z", "--config", p.config)).code).toBe(0);
    const lock = Lock.read(p.lock);
    const name = lock.entries().find((e) => e.entry.state === "active")!.selector;
    writeFileSync(p.config, `${rotated}    selectors:\n      ${name}: { key: ed25519 }\n`);
    const before = readFileSync(p.lock, "utf8");

    const r = await dkimctl("validate", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^${p.config}:9:7: domains/example.com/selectors/${name}: ${name} is a selector that 'dkimctl rotate' made for example.com .*choose another name`,
        "m",
      ),
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    const records = await dkimctl("records", "--config", p.config);
    expect(records.code).toBe(1);
    expect(readFileSync(p.lock, "utf8")).toBe(before);
  });

  test("desiredRecords never returns two records of one name", () => {
    const config = parseConfig("d.yaml", `${ZONE}  example.com:\n    selectors:\n      s1: { cname: s1.example.net }\n`);
    const domain = config.domains[0];
    const twice: Config = { ...config, domains: [{ ...domain, selectors: [domain.selectors[0], domain.selectors[0]] }] };
    const ps = problemsOf(() => desiredRecords(twice, new Lock()));
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^7:7 domains\/example.com\/selectors\/s1: the record s1._domainkey.example.com would be published twice/),
    ]);
  });
});

describe("a pasted private key is recognised and never echoed (item 6)", () => {
  const pemBlock = (indent: string, pem = rsaPem) =>
    pem
      .trim()
      .split("\n")
      .map((l) => indent + l)
      .join("\n");
  test.each([
    [
      "txt (block scalar)",
      `${ZONE}  example.com:\n    selectors:\n      s1:\n        txt: |\n${pemBlock("          ")}\n`,
      "domains/example.com/selectors/s1/txt",
    ],
    ["txt (quoted)", `${ZONE}  example.com:\n    selectors:\n      s1: { txt: ${quoted(rsaPem)} }\n`, "domains/example.com/selectors/s1/txt"],
    ["cname", `${ZONE}  example.com:\n    selectors:\n      s1: { cname: ${quoted(rsaPem)} }\n`, "domains/example.com/selectors/s1/cname"],
    ["note", `${ZONE}  example.com:\n    selectors:\n      s1: { note: ${quoted(rsaPem)} }\n`, "domains/example.com/selectors/s1/note"],
    ["zoneId", `version: 1\nzones:\n  example.com: { provider: route53, zoneId: ${quoted(rsaPem)} }\ndomains: {}\n`, "zones/example.com/zoneId"],
    [
      "zoneId after a pasted /hostedzone/",
      `version: 1\nzones:\n  example.com: { provider: route53, zoneId: ${quoted(`/hostedzone/${rsaPem}`)} }\ndomains: {}\n`,
      "zones/example.com/zoneId",
    ],
    // YAML keys are at most 1024 characters: an Ed25519 key fits.
    ["a zone name", `version: 1\nzones:\n  ${quoted(edPem)}: { provider: route53 }\ndomains: {}\n`, "zones/(a private key)"],
    ["a domain name", `${ZONE}  ${quoted(edPem)}:\n    selectors:\n      s1: {}\n`, "domains/(a private key)"],
    ["a selector name", `${ZONE}  example.com:\n    selectors:\n      ${quoted(edPem)}: {}\n`, "domains/example.com/selectors/(a private key)"],
    ["an unknown field", `${ZONE}  example.com:\n    selectors:\n      s1: { ${quoted(edPem)}: 1 }\n`, "domains/example.com/selectors/s1/(a private key)"],
    ["a backend bucket", `version: 1\nzones: {}\ndomains: {}\nbackend: { s3: { bucket: ${quoted(rsaPem)}, region: eu-west-1 } }\n`, "backend/s3/bucket"],
    ["a ttl", `${ZONE}  example.com:\n    selectors:\n      s1: { ttl: ${quoted(rsaPem)} }\n`, "domains/example.com/selectors/s1/ttl"],
  ])("in %s", (_, yaml, path) => {
    const ps = configProblems(yaml);
    const mine = ps.filter((p) => p.path === path);
    expect(mine).toHaveLength(1);
    expect(mine[0].message).toMatch(PRIVATE_KEY);
    const text = ps.map(formatProblem).join("\n");
    expectNoKeyMaterial(text);
    expectNoKeyMaterial(text, edPem);
    expect(text).not.toMatch(/BEGIN/);
  });

  test.each([
    ["an RSA key as a mapping key (over YAML's 1024 characters)", `version: 1\nzones:\n  ${quoted(rsaPem)}: { provider: route53 }\ndomains: {}\n`, "3:4"],
    ["a key pasted unquoted and unindented", `${ZONE}  example.com:\n    selectors:\n      s1:\n        txt:\n${rsaPem}`, "9:1"],
  ])("in YAML that does not parse: %s", (_, yaml, where) => {
    const ps = configProblems(yaml);
    expect(brief(ps)).toContain(
      `${where} : this is a private key: never put it in domains.yaml; remove it from the file and from git history, and treat the key as compromised`,
    );
    const all = ps.map(formatProblem).join("\n");
    expectNoKeyMaterial(all);
    expect(all).not.toMatch(/BEGIN/);
  });

  test("a PKCS#1 RSA key and an Ed25519 key, in PEM", () => {
    for (const pem of [rsaPkcs1, edPem]) {
      const ps = configProblems(`${ZONE}  example.com:\n    selectors:\n      s1: { txt: ${quoted(pem)} }\n`);
      expect(brief(ps)).toEqual([expect.stringMatching(/^7:18 domains\/example.com\/selectors\/s1\/txt: this is a private key/)]);
      expectNoKeyMaterial(ps.map(formatProblem).join("\n"), pem);
    }
  });

  test("a DER private key in base64, without PEM armour, as p=", () => {
    const ps = configProblems(`${ZONE}  example.com:\n    selectors:\n      s1: { txt: "v=DKIM1; k=ed25519; p=${edDer}" }\n`);
    expect(brief(ps)).toEqual([expect.stringMatching(/^7:18 domains\/example.com\/selectors\/s1\/txt: this is a private key/)]);
    const text = ps.map(formatProblem).join("\n");
    for (const w of windows(edDer)) expect(text).not.toContain(w);
  });

  test("the CLI prints no line of the key, no stack trace, and writes nothing", async () => {
    const p = tempProject(
      `${ZONE}  example.com:\n    selectors:\n      s1:\n        txt: |\n${pemBlock("          ")}\n      s2: { cname: ${quoted(rsaPem)} }\n`,
    );
    const r = await dkimctl("validate", "--config", p.config);
    expect(r.code).toBe(1);
    const s2Line = 9 + rsaPem.trim().split("\n").length;
    expect(r.err).toContain(`${p.config}:8:14: domains/example.com/selectors/s1/txt: this is a private key`);
    expect(r.err).toContain(`${p.config}:${s2Line}:20: domains/example.com/selectors/s2/cname: this is a private key`);
    expectNoKeyMaterial(r.out + r.err);
    expect(r.err).not.toMatch(/\n\s+at /);
    const k = await dkimctl("keys", "--config", p.config);
    expect(k.code).toBe(1);
    expectNoKeyMaterial(k.out + k.err);
    expect(readdirSync(p.dir)).toEqual(["domains.yaml"]);
  });

  test("a message that quotes a private key by mistake is printed without it", () => {
    const text = formatProblem({ file: "f", line: 1, col: 1, path: "", message: `bad: ${rsaPem.trim()} and p=${edDer}` });
    expectNoKeyMaterial(text);
    for (const w of windows(edDer)) expect(text).not.toContain(w);
    expect(text).toBe("f:1:1: bad: (a private key) and p=(a private key)");
  });

  test("a private key pasted into the lock is recognised and not echoed", () => {
    const dir = tempDir();
    const file = join(dir, "dkim.lock.yaml");
    writeFileSync(
      file,
      `version: 1\nkeys:\n  example.com:\n    s1:\n      algorithm: ed25519\n      publicKey: ${edDer}\n` +
        "      fingerprint: sha256:00\n      created: 2026-01-01T00:00:00Z\n",
    );
    const ps = problemsOf(() => Lock.read(file));
    expect(brief(ps)).toEqual(expect.arrayContaining([expect.stringMatching(/^6:18 keys\/example.com\/s1\/publicKey: this is a private key/)]));
    const text = ps.map(formatProblem).join("\n");
    for (const w of windows(edDer)) expect(text).not.toContain(w);
  });
});

describe("echoed values are capped at a short prefix", () => {
  const long = "x".repeat(30) + "y".repeat(300);
  const capped = (ps: Problem[]) => {
    const text = ps.map(formatProblem).join("\n");
    expect(text).not.toContain("x".repeat(25));
    expect(text).not.toContain("yy");
  };

  test.each([
    ["zone id", `version: 1\nzones:\n  example.com: { provider: route53, zoneId: ${long} }\ndomains: {}\n`, /is not a route53 zone id/],
    ["cname", `${ZONE}  example.com:\n    selectors:\n      s1: { cname: "${long} x" }\n`, /CNAME target/],
    ["txt", `${ZONE}  example.com:\n    selectors:\n      s1: { txt: "v=DKIM1; k=rsa; p=${long}; ${long}" }\n`, /not a DKIM key record/],
    ["a wrong type", `${ZONE}  example.com:\n    selectors:\n      s1: { ttl: ${long} }\n`, /expected a number, found the string/],
    ["an enum", `${ZONE}  example.com:\n    selectors:\n      s1: { key: ${long} }\n`, /is not allowed: use one of/],
    ["an unknown field", `${ZONE}  example.com:\n    selectors:\n      s1: { ${long}: 1 }\n`, /unknown field/],
    ["a domain name", `${ZONE}  "${long} x":\n    selectors:\n      s1: {}\n`, /is not a host name/],
    ["a domain label", `${ZONE}  ${long}x.example.com:\n    selectors:\n      s1: {}\n`, /343 octets long/],
    ["a selector", `${ZONE}  example.com:\n    selectors:\n      "${long}_":\n        {}\n`, /selector/],
    ["a version", `version: ${long}\nzones: {}\ndomains: {}\n`, /is not one this dkimctl reads/],
  ])("%s", (_, text, why) => {
    const ps = configProblems(text);
    expect(ps.map((p) => p.message).join("\n")).toMatch(why);
    capped(ps);
  });

  test("a YAML syntax error that quotes its source", () => {
    const ps = configProblems(`version: 1\nzones: {}\ndomains: |2${long}\n  a\n`);
    expect(brief(ps)).toEqual([expect.stringMatching(/^3:12 : YAML syntax error: Block scalar header includes extra characters: \|2x+…$/)]);
    capped(ps);
  });

  test("a YAML tag", () => {
    const ps = configProblems(`version: 1\nzones: {}\ndomains: {}\nbackend: !${long} {}\n`);
    expect(brief(ps)).toEqual([`4:10 backend: YAML tags are not used in domains.yaml: remove '!${"x".repeat(23)}…'`]);
    capped(ps);
  });

  test("control characters are escaped, never printed", () => {
    const ps = configProblems(`${ZONE}  example.com:\n    selectors:\n      s1: { cname: "a\\u001b[2Jb.example.com" }\n`);
    expect(ps.map(formatProblem).join("\n")).not.toMatch(/\u001b/);
  });
});

describe("a domain whose last label is all digits is not a host name (item 9)", () => {
  test.each(["1.5", "123", "10.0.0.1", "example.123", "１.５"])("zone and domain %s", (name) => {
    const ps = configProblems(`version: 1\nzones:\n  "${name}": { provider: route53 }\ndomains:\n  "${name}": { selectors: { s1: {} } }\n`);
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^3:3 zones\/.*: zone name .* a domain whose last label is all digits is not a host name/),
      expect.stringMatching(/^5:3 domains\/.*: domain name .* a domain whose last label is all digits is not a host name/),
    ]);
  });

  test("digits elsewhere are fine", () => {
    expect(() =>
      parseConfig("d.yaml", `version: 1\nzones:\n  123.example: { provider: route53 }\ndomains:\n  1.2.123.example: { selectors: { s1: {} } }\n`),
    ).not.toThrow();
  });
});

describe("YAML that is not plain data", () => {
  test("an alias bomb is refused with its position", () => {
    const bomb = ["version: 1", 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, prev] of [
      ["b", "a"],
      ["c", "b"],
      ["d", "c"],
      ["e", "d"],
    ])
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    const ps = configProblems(`${bomb.join("\n")}\nzones: {}\ndomains: {}\n`);
    expect(brief(ps)).toEqual([expect.stringMatching(/^3:\d+ : too many YAML aliases/)]);
  });

  test.each([
    ["!!binary", `${ZONE}  example.com:\n    selectors:\n      s1: { txt: !!binary "AAAA" }\n`, "7:18 domains/example.com/selectors/s1/txt"],
    ["!foo", `${ZONE}  example.com: !foo\n    selectors:\n      s1: {}\n`, "5:16 domains/example.com"],
    ["!!set", `${ZONE}  example.com:\n    selectors: !!set\n      ? s1\n`, "6:16 domains/example.com/selectors"],
    ["!!omap", `${ZONE}  example.com:\n    selectors: !!omap\n      - s1: {}\n`, "6:16 domains/example.com/selectors"],
    ["!!timestamp", `version: 1\nzones: {}\ndomains: {}\nbackend: { s3: { bucket: !!timestamp 2026-01-01, region: r } }\n`, "4:26 backend/s3/bucket"],
  ])("the tag %s is refused with one message at its node", (tag, text, where) => {
    const ps = configProblems(text);
    expect(brief(ps)).toEqual([`${where}: YAML tags are not used in domains.yaml: remove '${tag}'`]);
  });

  test("plain scalars, quoted strings and flow collections are fine", () => {
    const c = parseConfig("d.yaml", `${ZONE}  example.com:\n    selectors:\n      s1: { ttl: 300, testing: true, note: 'x' }\n      s2: ~\n`);
    expect(c.domains[0].selectors.map((s) => s.name)).toEqual(["s1", "s2"]);
  });

  test("a Route53 zone id of digits only, which YAML reads as a number: quote it", () => {
    const ps = configProblems(`version: 1\nzones:\n  example.com: { provider: route53, zoneId: 0012345 }\ndomains: {}\n`);
    expect(brief(ps)).toEqual(["3:45 zones/example.com/zoneId: expected a string, found the number 12345; YAML read it as a number: put it in quotes"]);
    expect(parseConfig("d.yaml", `version: 1\nzones:\n  example.com: { provider: route53, zoneId: "0012345" }\ndomains: {}\n`).zones[0].zoneId).toBe("0012345");
  });

  test("a zone id YAML read as a number: quote it", () => {
    const ps = configProblems(`version: 1\nzones:\n  example.com: { provider: cloudflare, zoneId: 12345678901234567890123456789012 }\ndomains: {}\n`);
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^3:48 zones\/example.com\/zoneId: expected a string, found the number .*YAML read it as a number: put it in quotes/),
    ]);
  });
});

describe("files that are not UTF-8 text", () => {
  const file = (bytes: Buffer) => {
    const f = join(tempDir(), "domains.yaml");
    writeFileSync(f, bytes);
    return f;
  };
  const text = `${ZONE}  example.com: { selectors: { s1: {} } }\n`;

  test.each([
    ["UTF-16LE with a BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])],
    ["UTF-16BE with a BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()])],
    ["UTF-16LE without a BOM (NUL bytes)", Buffer.from(text, "utf16le")],
    ["Latin-1", Buffer.from(`${ZONE}  b\xfccher.example: { selectors: { s1: {} } }\n`, "latin1")],
  ])("%s: one problem, no NUL quoted", (_, bytes) => {
    const f = file(bytes);
    const ps = problemsOf(() => loadConfig(f));
    expect(ps).toHaveLength(1);
    expect(ps[0].message).toMatch(/not UTF-8 text/);
    expect(formatProblem(ps[0])).not.toMatch(/[\u0000\ufffd]/);
  });

  test("a UTF-8 BOM is fine", () => {
    const c = loadConfig(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])));
    expect(c.domains.map((d) => d.name)).toEqual(["example.com"]);
  });

  // U+FFFD written as UTF-8 is text; it is also how a lossy read shows bytes that are not (src/read-utf8.ts tells the two apart).
  test("a U+FFFD character written in UTF-8 is text, a stray byte after it is not", () => {
    const c = loadConfig(file(Buffer.from(`# a replacement character: \ufffd\n${text}`)));
    expect(c.domains.map((d) => d.name)).toEqual(["example.com"]);
    const ps = problemsOf(() => loadConfig(file(Buffer.concat([Buffer.from(`# \ufffd\n${ZONE}`), Buffer.from([0xff]), Buffer.from("\n")]))));
    // The byte starts line 6 (the comment, then ZONE's four lines): found past the character that is text.
    expect(ps.map((p) => [p.line, p.col, p.message])).toEqual([[6, 1, "not UTF-8 text: it holds bytes that are not UTF-8; save the file as UTF-8"]]);
  });

  test("the CLI says so with FILE:LINE:COL and exit 1, as it does for an alias bomb", async () => {
    const utf16 = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    const r = await dkimctl("validate", "--config", utf16);
    expect([r.code, r.err]).toEqual([
      1,
      `${utf16}:1:1: not UTF-8 text: it starts with a UTF-16 byte order mark; save the file as UTF-8\n1 problem found; nothing was changed.\n`,
    ]);
    const bomb = file(
      Buffer.from(
        `version: 1\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n`,
      ),
    );
    const b = await dkimctl("validate", "--config", bomb);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(new RegExp(`^${bomb}:3:8: too many YAML aliases .*write the values out\n1 problem found; nothing was changed.\n$`));
  });

  test("the lock is read the same way", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "dkim.lock.yaml"), Buffer.from("version: 1\nkeys: {}\n", "utf16le"));
    expect(problemsOf(() => Lock.read(join(dir, "dkim.lock.yaml")))[0].message).toMatch(/not UTF-8 text/);
  });
});

describe("look-alike names and CNAMEs to addresses", () => {
  test("a label mixing Latin and Cyrillic is a warning naming the A-label", () => {
    const c = parseConfig(
      "d.yaml",
      "version: 1\nzones:\n  example.com: { provider: route53 }\n  exаmple.org: { provider: route53 }\n" +
        "domains:\n  pаypal.example.com: { selectors: { s1: {} } }\n",
    );
    expect(c.warnings).toEqual([
      expect.stringMatching(/^d\.yaml:4:3: zones\/.*: .*mixes Latin and Cyrillic.*xn--exmple-4nf\.org/),
      expect.stringMatching(/^d\.yaml:6:3: domains\/.*: .*mixes Latin and Cyrillic.*xn--pypal-4ve\.example\.com/),
    ]);
  });

  test("a label wholly in one script is fine, Greek and Cyrillic alike", () => {
    const c = parseConfig(
      "d.yaml",
      "version: 1\nzones:\n  пример.рф: { provider: route53 }\n  παράδειγμα.ελ: { provider: route53 }\n" +
        "  bücher.example: { provider: route53 }\ndomains: {}\n",
    );
    expect(c.warnings).toEqual([]);
  });

  test.each(["1.2.3.4", "1.2.3.4.", "mail.example.123", "2001:db8::1", "[2001:db8::1]"])("a CNAME target %s is refused", (target) => {
    const ps = configProblems(`${ZONE}  example.com:\n    selectors:\n      s1: { cname: "${target}" }\n`);
    expect(brief(ps)).toEqual([
      expect.stringMatching(/^7:20 domains\/example.com\/selectors\/s1\/cname: the CNAME target .*(an IP address|last label is all digits)/),
    ]);
  });
});

describe("a hand-edited lock is refused with its position", () => {
  const entry = (created = "2026-01-01T00:00:00Z", extra = "") => {
    const pub = (generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "der" }) as Buffer).subarray(12).toString("base64");
    const fp = `sha256:${require("node:crypto").createHash("sha256").update(Buffer.from(pub, "base64")).digest("hex")}`;
    return `      algorithm: ed25519\n      publicKey: ${pub}\n      fingerprint: ${fp}\n      created: ${created}\n${extra}`;
  };
  const lockProblems = (text: string) => {
    const file = join(tempDir(), "dkim.lock.yaml");
    writeFileSync(file, text);
    return problemsOf(() => Lock.read(file));
  };

  test("a sound lock is read", () => {
    const file = join(tempDir(), "dkim.lock.yaml");
    writeFileSync(file, `version: 1\nkeys:\n  example.com:\n    s1:\n${entry()}`);
    expect(
      Lock.read(file)
        .entries()
        .map((e) => [e.domain, e.selector, e.entry.created]),
    ).toEqual([["example.com", "s1", "2026-01-01T00:00:00Z"]]);
    // YAML 1.1 reads a timestamp as a Date: still an ISO time.
    writeFileSync(file, `%YAML 1.1\n---\nversion: 1\nkeys:\n  example.com:\n    s1:\n${entry("2026-01-01T00:00:00Z")}`);
    expect(Lock.read(file).get("example.com", "s1")?.created).toBe("2026-01-01T00:00:00Z");
  });

  test.each(["2026-11", "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "0000-01-01T00:00:00Z", "'2026-01-01 00:00'"])("created: %s", (t) => {
    expect(brief(lockProblems(`version: 1\nkeys:\n  example.com:\n    s1:\n${entry(t)}`))).toEqual([
      "8:16 keys/example.com/s1/created: created must be an ISO 8601 time (e.g. 2026-11-26T04:00:00Z): the lock was edited by hand; restore it from git",
    ]);
  });

  test("a truncated lifecycle time", () => {
    const ps = lockProblems(`version: 1\nkeys:\n  example.com:\n    e1:\n${entry("2026-01-01T00:00:00Z", "      state: active\n      activated: 2026-01\n")}`);
    expect(brief(ps)).toEqual([expect.stringMatching(/^10:18 keys\/example.com\/e1\/activated: activated must be an ISO 8601 time/)]);
  });

  test.each([
    ["a selector named *", `example.com:\n    "*":\n`, "4:5 keys/example.com/*", /selector '\*' may contain only letters, digits and hyphens/],
    ["a selector not in published form", `example.com:\n    S1:\n`, "4:5 keys/example.com/S1", /selector 'S1' .*published form s1/],
    ["a domain not in published form", `Example.COM:\n    s1:\n`, "3:3 keys/Example.COM", /domain 'Example.COM' .*published form example.com/],
    ["an IDN domain in U-labels", `bücher.example:\n    s1:\n`, "3:3 keys/bücher.example", /published form xn--bcher-kva.example/],
    ["a domain that is a number", `"1.5":\n    s1:\n`, "3:3 keys/1.5", /last label is all digits/],
  ])("%s", (_, head, where, why) => {
    const ps = lockProblems(`version: 1\nkeys:\n  ${head}${entry()}`);
    expect(ps).toHaveLength(1);
    expect(brief(ps)[0].startsWith(`${where}: `)).toBe(true);
    expect(ps[0].message).toMatch(why);
  });

  test("keys, domains and entries of the wrong shape", () => {
    expect(brief(lockProblems(`version: 1\nkeys: [a]\n`))).toEqual([expect.stringMatching(/^2:7 keys: .*mapping/)]);
    expect(brief(lockProblems(`version: 1\nkeys:\n  example.com: x\n`))).toEqual([expect.stringMatching(/^3:16 keys\/example.com: .*mapping/)]);
    expect(brief(lockProblems(`version: 1\nkeys:\n  example.com:\n    s1: [1]\n`))).toEqual([expect.stringMatching(/^4:9 keys\/example.com\/s1: .*mapping/)]);
  });

  test("tags in the lock are refused", () => {
    const ps = lockProblems(`version: 1\nkeys:\n  example.com:\n    s1:\n${entry("!!timestamp 2026-01-01T00:00:00Z")}`);
    expect(brief(ps)).toEqual([expect.stringMatching(/^8:16 keys\/example.com\/s1\/created: YAML tags are not used in .*remove '!!timestamp'/)]);
  });

  test("an unknown field's name is capped", () => {
    const ps = lockProblems(`version: 1\nkeys:\n  example.com:\n    s1:\n${entry()}      ${"x".repeat(200)}: 1\n`);
    expect(ps.map(formatProblem).join("\n")).not.toContain("x".repeat(30));
  });
});
