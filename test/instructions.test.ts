/**
 * `dkimctl instructions`: the records each customer creates, in every
 * format. The bind output is loaded into knot, the csv read by Python's csv
 * module, json lines by JSON.parse; no format ever holds private key
 * material, and a CNAME customer's instructions stay byte-identical when its
 * keys are made again.
 */
import { spawnSync } from "node:child_process";
import { promises as dns } from "node:dns";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { htmlPage } from "../src/cli/instructions-page";
import type { Instructions } from "../src/customers/instructions";
import { type DnsServer, startDnsServer, zoneFile } from "./support/dns-server";
import { dkimctl, ROOT, tempProject } from "./support/project";
import { findSecrets } from "./support/secrets";

jest.setTimeout(120_000);

const CONFIG = `version: 1
zones:
  dkim.esp.example: { provider: route53 }
customers:
  dkim.esp.example:
    key: rsa-2048
    domains:
      shop.example:
      news.shop.example:
      mail.example.org: { delegation: txt }
      bücher.example:
`;
const FORMATS = ["text", "bind", "json", "csv", "html"];

async function run(...argv: string[]) {
  const r = await dkimctl(...argv);
  return { ...r, err: r.err.replace(/^config: \S+\n/, "") };
}

let p: ReturnType<typeof tempProject>;
beforeAll(async () => {
  p = tempProject(CONFIG);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
});

test("text: each record field by field, then the notes that spare a support ticket", async () => {
  const r = await run("instructions", "shop.example", "--config", p.config);
  expect([r.code, r.err]).toEqual([0, ""]);
  expect(r.out).toBe(`DKIM for shop.example: create these 2 records in the DNS zone shop.example.

Record 1 of 2 (slot esp1)
  Type:       CNAME
  Host:       esp1._domainkey
  Full name:  esp1._domainkey.shop.example
  Target:     esp1.shop.example.dkim.esp.example
  TTL:        3600 (1h)

Record 2 of 2 (slot esp2)
  Type:       CNAME
  Host:       esp2._domainkey
  Full name:  esp2._domainkey.shop.example
  Target:     esp2.shop.example.dkim.esp.example
  TTL:        3600 (1h)

Before you save:
- Enter the host as shown (esp1._domainkey): most DNS panels add ".shop.example" themselves. If yours asks for the full name, enter \
esp1._domainkey.shop.example (some panels want a dot at its end). A full name where the panel adds the domain itself becomes \
esp1._domainkey.shop.example.shop.example, which receivers never look up.
- Cloudflare: set each record's proxy status to "DNS only" (grey cloud), not "Proxied", and do not flatten them \
("CNAME flattening for all CNAME records" off): receivers must see the CNAME itself.
- Nothing changes at shop.example itself: its MX, SPF and other records stay as they are. Add only the records above.
- Create both records, also the one not in use yet, and keep them: keys are switched between them and replaced without any change on your side.
- If a record of another type (an old TXT key, say) exists at one of these names, delete it first: a CNAME cannot share its name with another record.
`);
});

test("a subdomain customer: hosts relative to its registrable domain, and what to do where it is a zone of its own", async () => {
  const r = await run("instructions", "news.shop.example", "--config", p.config);
  expect(r.out).toContain("create these 2 records in the DNS zone shop.example.");
  expect(r.out).toContain("  Host:       esp1._domainkey.news\n  Full name:  esp1._domainkey.news.shop.example\n");
  expect(r.out).toContain("If news.shop.example is a zone of its own at your DNS host, create them there, with the host esp1._domainkey.");
});

test("txt delegation: the public key records from the lock, whole and as the strings DNS publishes", async () => {
  const r = await run("instructions", "mail.example.org", "--config", p.config, "--format", "json");
  const lock = readFileSync(p.lock, "utf8");
  const json = JSON.parse(r.out);
  expect(json).toMatchObject({ customer: "mail.example.org", display: "mail.example.org", zone: "example.org", delegation: "txt" });
  for (const [i, record] of json.records.entries()) {
    expect(record).toMatchObject({ slot: `esp${i + 1}`, host: `esp${i + 1}._domainkey.mail`, type: "TXT", ttl: 3600 });
    expect(record.value).toMatch(/^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/]+=*$/);
    expect(lock).toContain(record.value.replace(/^.*p=/, ""));
    expect(record.strings.join("")).toBe(record.value);
    expect(record.strings.length).toBe(2);
  }
  const text = await run("instructions", "mail.example.org", "--config", p.config);
  expect(text.out).toContain("  As strings: ");
  expect(text.out).toContain("enter it as the quoted strings shown");
});

test("json: the documented shape; --all: one customer per line", async () => {
  const one = JSON.parse((await run("instructions", "bücher.example", "-f", "json", "--config", p.config)).out);
  expect(one).toEqual({
    customer: "xn--bcher-kva.example",
    display: "bücher.example",
    zone: "xn--bcher-kva.example",
    delegation: "cname",
    records: ["esp1", "esp2"].map((slot) => ({
      slot,
      host: `${slot}._domainkey`,
      name: `${slot}._domainkey.xn--bcher-kva.example`,
      type: "CNAME",
      value: `${slot}.xn--bcher-kva.example.dkim.esp.example`,
      strings: [],
      ttl: 3600,
    })),
  });
  const all = await run("instructions", "--all", "--config", p.config);
  const lines = all.out
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.customer)).toEqual(["mail.example.org", "news.shop.example", "shop.example", "xn--bcher-kva.example"]);
  expect(lines[3]).toEqual(one);
});

test("csv: a header and one row per record, as Python's csv module reads it", async () => {
  const r = await run("instructions", "--all", "--format", "csv", "--config", p.config);
  const py = spawnSync("python3", ["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin))))"], { input: r.out, encoding: "utf8" });
  const rows = JSON.parse(py.stdout) as string[][];
  expect(rows[0]).toEqual(["customer", "zone", "delegation", "slot", "host", "name", "type", "value", "ttl"]);
  expect(rows).toHaveLength(1 + 8);
  expect(rows[1].slice(0, 7)).toEqual(["mail.example.org", "example.org", "txt", "esp1", "esp1._domainkey.mail", "esp1._domainkey.mail.example.org", "TXT"]);
  expect(rows[5]).toEqual([
    "shop.example",
    "shop.example",
    "cname",
    "esp1",
    "esp1._domainkey",
    "esp1._domainkey.shop.example",
    "CNAME",
    "esp1.shop.example.dkim.esp.example",
    "3600",
  ]);
});

describe("bind: zone-file lines that knot loads and serves", () => {
  let server: DnsServer;
  afterAll(() => server?.stop());

  test("the CNAMEs and the TXT key records, answered as written", async () => {
    const bind = async (c: string) => (await run("instructions", c, "--format", "bind", "--config", p.config)).out;
    server = await startDnsServer([
      { name: "shop.example", zoneFile: zoneFile("shop.example", []) + (await bind("shop.example")) + (await bind("news.shop.example")) },
      { name: "example.org", zoneFile: zoneFile("example.org", []) + (await bind("mail.example.org")) },
    ]);
    const resolver = new dns.Resolver();
    resolver.setServers([server.address]);
    expect(await resolver.resolveCname("esp1._domainkey.shop.example")).toEqual(["esp1.shop.example.dkim.esp.example"]);
    expect(await resolver.resolveCname("esp2._domainkey.news.shop.example")).toEqual(["esp2.news.shop.example.dkim.esp.example"]);
    const json = JSON.parse((await run("instructions", "mail.example.org", "-f", "json", "--config", p.config)).out);
    for (const record of json.records) expect((await resolver.resolveTxt(record.name)).map((s) => s.join(""))).toEqual([record.value]);
  });
});

test("html: one self-contained page (no script, nothing loaded from elsewhere) with every record", async () => {
  const page = (await run("instructions", "bücher.example", "-f", "html", "--config", p.config)).out;
  expect(page).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
  expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  expect(page).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import/i);
  expect(page).toContain("<title>DKIM records for bücher.example</title>");
  for (const slot of ["esp1", "esp2"]) expect(page).toContain(`<code>${slot}.xn--bcher-kva.example.dkim.esp.example</code>`);
});

test("html escapes every text it shows", () => {
  const hostile = "<script>alert(1)</script>&\"'";
  const i: Instructions = {
    customer: hostile,
    display: hostile,
    zone: hostile,
    delegation: "txt",
    records: [{ slot: hostile, host: hostile, name: hostile, type: "TXT", value: hostile, strings: [hostile, hostile], ttl: 60 }],
  };
  const page = htmlPage(i);
  expect(page).not.toContain("<script");
  expect(page).not.toMatch(/&(?!#\d+;)/);
  expect(page).toContain("&#60;script&#62;alert(1)&#60;/script&#62;&#38;&#34;&#39;");
});

test("no format holds private key material, for any customer", async () => {
  const pems: string[] = [];
  for (const customer of readdirSync(p.store))
    for (const f of readdirSync(join(p.store, customer))) pems.push(readFileSync(join(p.store, customer, f), "utf8"));
  expect(pems).toHaveLength(8);
  for (const format of FORMATS)
    for (const customer of ["shop.example", "news.shop.example", "mail.example.org", "bücher.example"]) {
      const r = await run("instructions", customer, "--format", format, "--config", p.config);
      expect([format, customer, r.code, findSecrets(r.out + r.err, pems)]).toEqual([format, customer, 0, []]);
    }
  for (const format of ["json", "csv"]) expect(findSecrets((await run("instructions", "--all", "-f", format, "--config", p.config)).out, pems)).toEqual([]);
});

test("a CNAME customer's instructions never change when its keys are made again; a TXT customer's carry the new key", async () => {
  const q = tempProject(CONFIG.replace("rsa-2048", "ed25519"));
  expect((await dkimctl("keys", "--config", q.config)).code).toBe(0);
  const snapshot = async () => {
    const out: Record<string, string> = {};
    for (const format of FORMATS)
      for (const customer of ["shop.example", "mail.example.org"])
        out[`${customer} ${format}`] = (await run("instructions", customer, "-f", format, "--config", q.config)).out;
    out.all = (await run("instructions", "--all", "-f", "csv", "--config", q.config)).out;
    return out;
  };
  const before = await snapshot();
  const lockBefore = readFileSync(q.lock, "utf8");
  rmSync(q.lock);
  rmSync(q.store, { recursive: true });
  expect((await dkimctl("keys", "--config", q.config)).code).toBe(0);
  expect(readFileSync(q.lock, "utf8")).not.toBe(lockBefore);
  const after = await snapshot();
  for (const format of FORMATS) {
    expect(after[`shop.example ${format}`]).toBe(before[`shop.example ${format}`]);
    expect(after[`mail.example.org ${format}`]).not.toBe(before[`mail.example.org ${format}`]);
  }
  // A CNAME customer needs no key at all to get its instructions.
  rmSync(q.lock);
  expect((await run("instructions", "shop.example", "--config", q.config)).out).toBe(before["shop.example text"]);
});

describe("refusals", () => {
  test.each([
    [[], "error: give the customer whose records to print, e.g. 'dkimctl instructions shop.example', or --all"],
    [["shop.example", "--all"], "error: give a customer or --all, not both ('shop.example' and --all)"],
    [["--all", "--format", "html"], "error: --format must be one of json, csv, not 'html'"],
    [["shop.example", "--format", "yaml"], "error: --format must be one of text, bind, json, csv, html, not 'yaml'"],
    [["bad_name"], "error: customer 'bad_name' is not a host name (letters, digits, hyphens and dots only)"],
  ])("usage: %j", async (argv, message) => {
    const r = await run("instructions", ...argv, "--config", p.config);
    expect([r.code, r.err.split("\n")[0]]).toEqual([2, message]);
  });

  test("a name that is no customer, with a did-you-mean", async () => {
    const r = await run("instructions", "shop.exampel", "--config", p.config);
    expect([r.code, r.err]).toEqual([1, `error: shop.exampel is not a customer in ${p.config}: did you mean shop.example?\n`]);
  });

  test("a TXT customer whose slots have no keys yet: each at the customer's place, with the command that makes them", async () => {
    const q = tempProject(CONFIG);
    const r = await run("instructions", "mail.example.org", "--config", q.config);
    expect(r.code).toBe(1);
    const problem = (n: number) =>
      `${q.config}:10:7: customer mail.example.org publishes its key records itself (delegation: txt), but slot esp${n} has no key in ${q.lock}: ` +
      `run 'npx dkimctl keys --config ${q.config}' and commit ${q.lock}\n`;
    expect(r.err).toBe(`${problem(1)}${problem(2)}2 problems found; nothing was changed.\n`);
  });
});

describe("docs/signing-provider.md shows what the command prints", () => {
  const doc = readFileSync(join(ROOT, "docs", "signing-provider.md"), "utf8");
  const example = /^```yaml\n(version: 1\n[\s\S]*?)^```$/m.exec(doc)![1];

  test("the text of its example customer", async () => {
    const q = tempProject(example);
    const shown = /<!-- instructions:shop\.example [^\n]*-->\n\n```text\n([\s\S]*?)^```$/m.exec(doc)![1];
    expect((await run("instructions", "shop.example", "--config", q.config)).out).toBe(shown);
  });

  test("its example page, docs/signing-provider-example.html", async () => {
    const q = tempProject(example);
    const page = readFileSync(join(ROOT, "docs", "signing-provider-example.html"), "utf8");
    expect((await run("instructions", "news.shop.example", "--format", "html", "--config", q.config)).out).toBe(page);
  });
});
