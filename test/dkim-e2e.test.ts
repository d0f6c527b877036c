/**
 * DKIM end to end, from the synthesized Terraform: keys made by `dkimctl keys` and
 * `dkimctl keys import`, private keys from `dkimctl export --format pem`, records read back
 * from the `cdk.tf.json` that the real app (main.ts, as `cdktf synth` runs it) writes, turned
 * into the TXT character-strings each provider would serve, and two independent verifiers
 * (mailauth and dkimpy) deciding whether signatures made with the exported keys pass.
 *
 * Nothing is skipped: a missing python3-dkim makes the suite fail (see test/support/verifiers.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dkimctl, synthApp, tempDir, tempProject } from "./support/project";

/** A PEM BEGIN line, built so that this file does not itself look like it holds a key. */
const pemHeader = (label: string) => `${"-".repeat(5)}BEGIN ${label}${"-".repeat(5)}`;
import { dkimpyVerify, mailauthVerify, sampleMessage, signMessage, type TxtLookup, type VerifyResult } from "./support/verifiers";

// ---------------------------------------------------------------------------------------------
// The project: one Route53 zone, one Cloudflare zone, every key type in each, plus imports
// ---------------------------------------------------------------------------------------------

const ROUTE53_ZONE_ID = "Z0123456789ABCDEFGHIJ";
const CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";

type Algorithm = "rsa-1024" | "rsa-2048" | "rsa-3072" | "rsa-4096" | "ed25519";
type Origin = "generated" | "pkcs1" | "pkcs8";

interface Sel {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: Algorithm;
  readonly origin: Origin;
  readonly testing: boolean;
  readonly provider: "route53" | "cloudflare";
}

const PER_DOMAIN: readonly { selector: string; algorithm: Algorithm; origin: Origin }[] = [
  { selector: "r1024", algorithm: "rsa-1024", origin: "generated" },
  { selector: "r2048", algorithm: "rsa-2048", origin: "generated" },
  { selector: "r3072", algorithm: "rsa-3072", origin: "generated" },
  { selector: "r4096", algorithm: "rsa-4096", origin: "generated" },
  { selector: "ed", algorithm: "ed25519", origin: "generated" },
  { selector: "imp-pkcs1", algorithm: "rsa-2048", origin: "pkcs1" },
  { selector: "imp-p8rsa", algorithm: "rsa-3072", origin: "pkcs8" },
  { selector: "imp-p8ed", algorithm: "ed25519", origin: "pkcs8" },
];

const PROVIDERS = [
  { provider: "route53", domain: "example.com", testingDomain: "news.example.com", stack: "example-com", zoneId: ROUTE53_ZONE_ID },
  { provider: "cloudflare", domain: "example.org", testingDomain: "news.example.org", stack: "example-org", zoneId: CLOUDFLARE_ZONE_ID },
] as const;

const SELECTORS: Sel[] = PROVIDERS.flatMap(({ provider, domain, testingDomain }) => [
  ...PER_DOMAIN.map((s) => ({ ...s, domain, provider, testing: false })),
  { domain: testingDomain, selector: "t1", algorithm: "rsa-2048" as const, origin: "generated" as const, provider, testing: true },
]);

const selectorYaml = (s: Sel) =>
  `      ${s.selector}: { key: ${s.algorithm}${s.testing ? ", testing: true" : ""}${s.selector === "r1024" ? ", ttl: 600" : ""} }`;

const YAML = [
  "version: 1",
  "zones:",
  `  example.com: { provider: route53, zoneId: ${ROUTE53_ZONE_ID} }`,
  `  example.org: { provider: cloudflare, zoneId: ${CLOUDFLARE_ZONE_ID} }`,
  "domains:",
  ...[...new Set(SELECTORS.map((s) => s.domain))].flatMap((domain) => [
    `  ${domain}:`,
    "    selectors:",
    ...SELECTORS.filter((s) => s.domain === domain).map(selectorYaml),
    // A delegated selector too, so the cdk.tf.json / `records` comparison covers CNAMEs.
    ...(domain.startsWith("news.") ? [] : ["      cn: { cname: cn.dkim.esp.example.net }"]),
  ]),
  "",
].join("\n");

const keyOf = (s: { domain: string; selector: string }) => `${s.domain}/${s.selector}`;
const fqdn = (s: { domain: string; selector: string }) => `${s.selector}._domainkey.${s.domain}`;
const signingAlgorithm = (a: Algorithm): "rsa" | "ed25519" => (a === "ed25519" ? "ed25519" : "rsa");

// ---------------------------------------------------------------------------------------------
// TXT presentation format, parsed the way each provider would serve the synthesized value.
// Written here on purpose, independent of src/dkim/txt.ts.
// ---------------------------------------------------------------------------------------------

/**
 * Parses presentation-format TXT rdata made of quoted character-strings (`"a" "b"` or `"a""b"`)
 * into the strings' bytes. `\"` and `\\` (any `\X`) stand for X; `\DDD` is one octet, octal for
 * Route53 (its documented escape) and decimal for RFC 1035 / Cloudflare. Anything outside quotes
 * other than whitespace between strings is an error.
 */
function parseQuotedStrings(text: string, escapeBase: 8 | 10): Buffer[] {
  const out: Buffer[] = [];
  const chars = Array.from(text); // by code point
  let i = 0;
  const skipSpace = () => {
    while (i < chars.length && /\s/.test(chars[i])) i++;
  };
  skipSpace();
  if (i >= chars.length) throw new SyntaxError(`no character-string in ${JSON.stringify(text)}`);
  while (i < chars.length) {
    if (chars[i] !== '"') throw new SyntaxError(`expected '"' at code point ${i} of ${JSON.stringify(text)}, found ${JSON.stringify(chars[i])}`);
    i++;
    const bytes: number[] = [];
    for (;;) {
      if (i >= chars.length) throw new SyntaxError(`unterminated character-string in ${JSON.stringify(text)}`);
      const c = chars[i];
      if (c === '"') {
        i++;
        break;
      }
      if (c === "\\") {
        const digits = chars.slice(i + 1, i + 4).join("");
        if (/^\d{3}$/.test(digits)) {
          const pattern = escapeBase === 8 ? /^[0-7]{3}$/ : /^\d{3}$/;
          const v = parseInt(digits, escapeBase);
          if (!pattern.test(digits) || v > 255) throw new SyntaxError(`invalid \\${digits} escape (base ${escapeBase}) in ${JSON.stringify(text)}`);
          bytes.push(v);
          i += 4;
          continue;
        }
        if (i + 1 >= chars.length) throw new SyntaxError(`dangling backslash in ${JSON.stringify(text)}`);
        bytes.push(...Buffer.from(chars[i + 1], "utf8"));
        i += 2;
        continue;
      }
      bytes.push(...Buffer.from(c, "utf8"));
      i++;
    }
    out.push(Buffer.from(bytes));
    skipSpace();
  }
  return out;
}

/** Route53: the AWS provider sends `"` + value + `"`; Route53 parses that as presentation format. */
function route53Served(value: string): Buffer[] {
  return parseQuotedStrings(`"${value}"`, 8);
}

/** Cloudflare v5: `content` is already quoted, `"chunk1" "chunk2"`. */
function cloudflareServed(content: string): Buffer[] {
  return parseQuotedStrings(content, 10);
}

describe("the test's own TXT presentation parser", () => {
  test("splits, unescapes and rejects malformed input", () => {
    const s = (bs: Buffer[]) => bs.map((b) => b.toString("utf8"));
    expect(s(route53Served('abc""def'))).toEqual(["abc", "def"]);
    expect(s(route53Served('a\\"b""c\\\\d'))).toEqual(['a"b', "c\\d"]);
    expect(route53Served("\\101\\011")[0]).toEqual(Buffer.from([0o101, 0o11]));
    expect(cloudflareServed('"a" "b c"  "d"').map(String)).toEqual(["a", "b c", "d"]);
    expect(cloudflareServed('"\\065"')[0]).toEqual(Buffer.from("A"));
    expect(() => route53Served('a"b')).toThrow(SyntaxError); // a bare quote inside the value
    expect(() => cloudflareServed("abc")).toThrow(SyntaxError);
    expect(() => cloudflareServed('"abc')).toThrow(SyntaxError);
    expect(() => route53Served("\\089")).toThrow(SyntaxError);
  });
});

// ---------------------------------------------------------------------------------------------
// Building the project
// ---------------------------------------------------------------------------------------------

interface Published {
  readonly provider: "route53" | "cloudflare";
  readonly stack: string;
  readonly zoneId: unknown;
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  /** TXT: the character-strings as the provider would serve them. */
  readonly strings: Buffer[];
  /** CNAME: the target. */
  readonly value?: string;
}

interface JsonRecord {
  zone: string;
  provider: string;
  name: string;
  type: string;
  ttl: number;
  value: string;
  strings: string[];
}

let project: ReturnType<typeof tempProject>;
let keysDir: string;
let exportDir: string;
let outdir: string;
const exported = new Map<string, string>(); // domain/selector -> PEM from `dkimctl export`
const importedOriginals = new Map<string, string>(); // domain/selector -> the PEM that was imported
const published = new Map<string, Published>(); // fqdn -> record from cdk.tf.json
let jsonRecords: JsonRecord[];
let table: Record<string, string[][]>;

function pemFor(s: Sel): string {
  if (s.algorithm === "ed25519") return generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: Number(s.algorithm.slice(4)) });
  return privateKey.export({ type: s.origin === "pkcs1" ? "pkcs1" : "pkcs8", format: "pem" }).toString();
}

async function run(...argv: string[]) {
  const r = await dkimctl(...argv);
  if (r.code !== 0) throw new Error(`dkimctl ${argv.join(" ")} exited ${r.code}\nstdout: ${r.out}\nstderr: ${r.err}`);
  return r;
}

function readStack(stack: string): { resource?: Record<string, Record<string, Record<string, unknown>>> } {
  return JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

beforeAll(async () => {
  project = tempProject(YAML);
  keysDir = tempDir("dkimctl-import-");

  // 1. Imports first (declared with the matching key: in domains.yaml), then `dkimctl keys` for the rest.
  for (const s of SELECTORS.filter((x) => x.origin !== "generated")) {
    const pem = pemFor(s);
    expect(pem.startsWith(pemHeader(s.origin === "pkcs1" ? "RSA PRIVATE KEY" : "PRIVATE KEY"))).toBe(true);
    const file = join(keysDir, `${s.domain}-${s.selector}.pem`);
    writeFileSync(file, pem, { mode: 0o600 });
    importedOriginals.set(keyOf(s), pem);
    const r = await run("keys", "import", "--domain", s.domain, "--selector", s.selector, "--key", file, "--config", project.config);
    expect(r.out).toContain(`imported ${s.algorithm} key for ${s.domain}/${s.selector}`);
  }
  const keys = await run("keys", "--config", project.config);
  for (const s of SELECTORS.filter((x) => x.origin === "generated")) expect(keys.out).toContain(`generated ${s.algorithm} key for ${s.domain}/${s.selector}`);

  // 2. Private keys as the signer gets them.
  exportDir = tempDir("dkimctl-export-");
  await run("export", "--format", "pem", "--out", exportDir, "--config", project.config);
  for (const s of SELECTORS) exported.set(keyOf(s), readFileSync(join(exportDir, s.domain, `${s.selector}.pem`), "utf8"));

  // 3. The real app, as `cdktf synth` runs it.
  outdir = tempDir("dkimctl-synth-");
  const synth = synthApp(project.config, outdir);
  if (synth.code !== 0) throw new Error(`main.ts synth exited ${synth.code}\nstdout: ${synth.out}\nstderr: ${synth.err}`);

  for (const { provider, stack } of PROVIDERS) {
    const doc = readStack(stack);
    const type = provider === "route53" ? "aws_route53_record" : "cloudflare_dns_record";
    for (const r of Object.values(doc.resource?.[type] ?? {})) {
      const name = String(r.name);
      const rtype = String(r.type);
      let strings: Buffer[] = [];
      let value: string | undefined;
      if (provider === "route53") {
        const records = r.records as string[];
        expect(records).toHaveLength(1);
        if (rtype === "TXT") strings = route53Served(records[0]);
        else value = records[0];
      } else if (rtype === "TXT") strings = cloudflareServed(String(r.content));
      else value = String(r.content);
      expect(published.has(name)).toBe(false);
      published.set(name, { provider, stack, zoneId: r.zone_id, name, type: rtype, ttl: r.ttl as number, strings, value });
    }
  }

  table = Object.fromEntries([...published.values()].filter((p) => p.type === "TXT").map((p) => [p.name, [p.strings.map((b) => b.toString("utf8"))]]));
  jsonRecords = JSON.parse((await run("records", "--format", "json", "--config", project.config)).out) as JsonRecord[];
}, 120_000);

afterAll(() => {
  // Private keys live in these: do not leave them in the temp directory.
  for (const dir of [project?.dir, keysDir, exportDir, outdir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The synthesized records
// ---------------------------------------------------------------------------------------------

const joined = (name: string) => Buffer.concat(published.get(name)!.strings).toString("utf8");

function tags(value: string): Map<string, string> {
  return new Map(
    value
      .split(";")
      .map((t) => t.trim())
      .filter((t) => t !== "")
      .map((t) => [t.slice(0, t.indexOf("=")).trim(), t.slice(t.indexOf("=") + 1).trim()]),
  );
}

test("main.ts wrote one stack per zone; every TXT character-string is at most 255 bytes", () => {
  expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["example-com", "example-org"]);
  for (const s of SELECTORS) expect(published.has(fqdn(s))).toBe(true);
  let multiString = 0;
  for (const p of published.values()) {
    expect(p.zoneId).toBe(p.provider === "route53" ? ROUTE53_ZONE_ID : CLOUDFLARE_ZONE_ID);
    if (p.type !== "TXT") continue;
    for (const b of p.strings) {
      if (b.length > 255) throw new Error(`${p.name} (${p.provider}) publishes a ${b.length}-byte character-string`);
    }
    if (p.strings.length > 1) multiString++;
  }
  // rsa-2048 and larger do not fit one string: both providers must serve several.
  expect(multiString).toBeGreaterThanOrEqual(2 * 6);
});

test("the records in cdk.tf.json are exactly those of `dkimctl records --format json`", () => {
  const zoneFor: Record<string, { provider: string; stack: string }> = { "example.com": PROVIDERS[0], "example.org": PROVIDERS[1] };
  expect(jsonRecords.map((r) => r.name).sort()).toEqual([...published.keys()].sort());
  for (const r of jsonRecords) {
    const p = published.get(r.name)!;
    expect({ name: r.name, provider: p.provider, stack: p.stack, type: p.type, ttl: p.ttl }).toEqual({
      name: r.name,
      provider: r.provider,
      stack: zoneFor[r.zone].stack,
      type: r.type,
      ttl: r.ttl,
    });
    expect(zoneFor[r.zone].provider).toBe(r.provider);
    if (r.type === "TXT") {
      expect({ name: r.name, strings: p.strings.map((b) => b.toString("utf8")) }).toEqual({ name: r.name, strings: r.strings });
      expect(r.strings.join("")).toBe(r.value);
    } else {
      expect({ name: r.name, value: p.value }).toEqual({ name: r.name, value: r.value });
      expect(r.strings).toEqual([]);
    }
  }
  expect(published.get("r1024._domainkey.example.com")!.ttl).toBe(600);
  expect(published.get("r2048._domainkey.example.com")!.ttl).toBe(3600);
  expect(published.get("cn._domainkey.example.org")).toMatchObject({ type: "CNAME", value: "cn.dkim.esp.example.net" });
});

test("t=y is published for the testing selectors and only for them", () => {
  for (const s of SELECTORS) {
    const t = tags(joined(fqdn(s)));
    expect({ name: fqdn(s), t: t.get("t") }).toEqual({ name: fqdn(s), t: s.testing ? "y" : undefined });
  }
  expect(joined("t1._domainkey.news.example.com")).toMatch(/^v=DKIM1; k=rsa; t=y; p=/);
  expect(joined("t1._domainkey.news.example.org")).toMatch(/^v=DKIM1; k=rsa; t=y; p=/);
});

test("exported keys are PKCS#8 of the declared algorithm, and match the published p=", () => {
  for (const s of SELECTORS) {
    const pem = exported.get(keyOf(s))!;
    expect(pem.startsWith(pemHeader("PRIVATE KEY"))).toBe(true);
    const key = createPrivateKey(pem);
    expect({ selector: keyOf(s), type: key.asymmetricKeyType, bits: key.asymmetricKeyDetails?.modulusLength }).toEqual({
      selector: keyOf(s),
      type: signingAlgorithm(s.algorithm),
      bits: s.algorithm === "ed25519" ? undefined : Number(s.algorithm.slice(4)),
    });
    const t = tags(joined(fqdn(s)));
    expect(t.get("v")).toBe("DKIM1");
    expect(t.get("k")).toBe(signingAlgorithm(s.algorithm));
    expect(t.get("p")).toBe(pValue(createPublicKey(key)));
  }
});

test("imported keys (PKCS#1 RSA, PKCS#8 RSA, PKCS#8 Ed25519) are exported and published unchanged", () => {
  const imported = SELECTORS.filter((s) => s.origin !== "generated");
  expect(imported).toHaveLength(6);
  for (const s of imported) {
    const original = createPublicKey(createPrivateKey(importedOriginals.get(keyOf(s))!));
    const fromExport = createPublicKey(createPrivateKey(exported.get(keyOf(s))!));
    expect(fromExport.equals(original)).toBe(true);
    expect(tags(joined(fqdn(s))).get("p")).toBe(pValue(original));
  }
});

/** RFC 6376 / RFC 8463 p= for a public key, computed here (not with src/). */
function pValue(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  return (key.asymmetricKeyType === "ed25519" ? der.subarray(der.length - 32) : der).toString("base64");
}

// ---------------------------------------------------------------------------------------------
// Signing and verifying, per selector
// ---------------------------------------------------------------------------------------------

/** "ok" or the verifier's explanation, so a failed expectation shows why. */
const outcome = (r: VerifyResult) => (r.ok ? "ok" : r.detail);

async function verifyBoth(message: string, lookup: TxtLookup): Promise<{ mailauth: VerifyResult; dkimpy: VerifyResult }> {
  const [mailauth, dkimpy] = await Promise.all([mailauthVerify(message, lookup), dkimpyVerify(message, lookup)]);
  return { mailauth, dkimpy };
}

/** Another selector's key of the same type (same domain), to sign with under this selector's s=. */
function otherKeyFor(s: Sel): string {
  const same = SELECTORS.filter((x) => x.provider === s.provider && signingAlgorithm(x.algorithm) === signingAlgorithm(s.algorithm) && keyOf(x) !== keyOf(s));
  expect(same.length).toBeGreaterThan(0);
  return exported.get(keyOf(same[0]))!;
}

/** The served strings of `names` with one base64 character in the middle of each p= changed. */
function corruptedTable(names: readonly string[]): Record<string, string[][]> {
  const out = { ...table };
  for (const name of names) {
    const strings = published.get(name)!.strings.map((b) => b.toString("utf8"));
    const all = strings.join("");
    const p = all.indexOf("p=") + 2;
    expect(p).toBeGreaterThan(1);
    const at = p + Math.floor((all.length - p) / 2);
    let offset = 0;
    const changed = strings.map((str) => {
      const local = at - offset;
      offset += str.length;
      if (local < 0 || local >= str.length) return str;
      const c = str[local];
      expect(c).toMatch(/[A-Za-z0-9+/]/);
      return str.slice(0, local) + (c === "A" ? "B" : "A") + str.slice(local + 1);
    });
    expect(changed.join("")).not.toBe(all);
    expect(changed.join("").length).toBe(all.length);
    out[name] = [changed];
  }
  return out;
}

/** Each selector's result as the verifier reports it (`... s=<selector> a=<alg>[ (N bits)]: <result>`), or "missing". */
function resultsBySelector(r: VerifyResult, sels: readonly Sel[]): Record<string, string> {
  return Object.fromEntries(sels.map((s) => [s.selector, new RegExp(` s=${s.selector} a=[^:;]*: (\\w+)`).exec(r.detail)?.[1] ?? "missing"]));
}

describe.each(SELECTORS.map((s) => [`${fqdn(s)} (${s.algorithm}, ${s.origin}, ${s.provider})`, s] as const))("%s", (_label, s) => {
  test("a message signed with the exported key passes mailauth and dkimpy", async () => {
    const signed = await signMessage({
      privateKeyPem: exported.get(keyOf(s))!,
      domain: s.domain,
      selector: s.selector,
      algorithm: signingAlgorithm(s.algorithm),
    });
    expect(signed).toMatch(new RegExp(`^DKIM-Signature:[^]*\\bs=${s.selector};`, "i"));
    const r = await verifyBoth(signed, { txt: table });
    expect(outcome(r.mailauth)).toBe("ok");
    expect(outcome(r.dkimpy)).toBe("ok");
  });
});

/*
 * The negative cases run per sender domain: one message carries a signature for every selector
 * of the domain (each verifier checks each signature on its own and reports it by selector), which
 * keeps the number of dkimpy runs down. A first test shows the same construction passes for every
 * selector, so the failures below are not vacuous.
 */
describe.each([...new Set(SELECTORS.map((s) => s.domain))])("every selector of %s at once", (domain) => {
  const sels = SELECTORS.filter((s) => s.domain === domain);

  async function signedByAll(keyFor: (s: Sel) => string): Promise<string> {
    let message = sampleMessage(domain);
    for (const s of sels)
      message = await signMessage({ privateKeyPem: keyFor(s), domain, selector: s.selector, algorithm: signingAlgorithm(s.algorithm), message });
    expect(message.match(/^DKIM-Signature:/gim)).toHaveLength(sels.length);
    return message;
  }

  async function expectEvery(what: string, message: string, lookup: TxtLookup, want: "pass" | "not pass") {
    const r = await verifyBoth(message, lookup);
    const problems: string[] = [];
    for (const [verifier, result] of Object.entries(r)) {
      if (result.ok !== (want === "pass")) problems.push(`${verifier}: ok=${result.ok}`);
      for (const [selector, got] of Object.entries(resultsBySelector(result, sels))) {
        const bad = want === "pass" ? got !== "pass" : got === "pass" || got === "missing";
        if (bad) problems.push(`${verifier}: s=${selector} is ${got}, want ${want}`);
      }
      if (problems.length) problems.push(`${verifier} detail: ${result.detail}`);
    }
    expect({ case: what, problems }).toEqual({ case: what, problems: [] });
  }

  test("signed with the exported keys: every signature passes in both verifiers", async () => {
    await expectEvery("good", await signedByAll((s) => exported.get(keyOf(s))!), { txt: table }, "pass");
  });

  test("wrong key (another selector's key under this s=): every signature fails in both verifiers", async () => {
    await expectEvery("wrong key", await signedByAll(otherKeyFor), { txt: table }, "not pass");
  });

  test("record corrupted (one base64 character of p= changed): every signature fails in both verifiers", async () => {
    const good = await signedByAll((s) => exported.get(keyOf(s))!);
    await expectEvery("corrupted p=", good, { txt: corruptedTable(sels.map(fqdn)) }, "not pass");
  });

  test("tampered body: every signature fails in both verifiers", async () => {
    const good = await signedByAll((s) => exported.get(keyOf(s))!);
    const tampered = good.replace("Numbers are still preliminary.", "Numbers are final.");
    expect(tampered).not.toBe(good);
    await expectEvery("tampered body", tampered, { txt: table }, "not pass");
  });
});
