/**
 * A sender domain ready end to end, judged twice: mailauth's authenticate()
 * (DKIM, SPF and DMARC, as a receiver runs them) on a message signed with the
 * key dkimctl made, and `dkimctl verify`'s readiness report, both asking the
 * same zone served by a real DNS server (knotd). Each record is then broken
 * in turn: mailauth's verdict must change, and so must verify's.
 */
import { promises as dns } from "node:dns";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { authenticate } from "mailauth";
import { loadConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { desiredRecords, type DesiredRecord } from "../src/records";
import { type DnsServer, startDnsServer, type ZoneRecord, zoneFile } from "./support/dns-server";
import { keyedProject } from "./support/keyed-project";
import { dkimctl } from "./support/project";
import { sampleMessage, signMessage } from "./support/verifiers";

jest.setTimeout(120_000);

const YAML = `version: 1
defaults: { ttl: 300 }
zones:
  example.com: { provider: route53, zoneId: Z1 }
domains:
  example.com:
    dmarc: { policy: reject, subdomainPolicy: quarantine, rua: [mailto:dmarc@example.com, mailto:agg@reports.example.net] }
    spf: { include: [_spf.esp.example.com], ip4: [198.51.100.0/24] }
    selectors:
      s1: { key: rsa-2048 }
  news.example.com:
    dmarc: false
    spf: { include: [_spf.esp.example.com] }
    selectors:
      e1: { key: ed25519 }
  parked.example.com: { parked: true, dmarc: { rua: [mailto:parked@reports.example.net] } }
`;

/** The signing provider's sending addresses, and one nobody authorised. */
const ESP_IP = "192.0.2.7";
const STRANGER_IP = "203.0.113.9";

/** What the apex owners publish beside dkimctl's records: SPF, which dkimctl checks and never writes. */
const SPF: Record<string, string> = {
  "example.com": "v=spf1 include:_spf.esp.example.com ip4:198.51.100.0/24 -all",
  "_spf.esp.example.com": "v=spf1 ip4:192.0.2.0/24 ~all",
  "news.example.com": "v=spf1 include:_spf.esp.example.com -all",
  "parked.example.com": "v=spf1 -all",
  // The external report destination agrees to receive example.com's reports (RFC 7489 7.1).
  "example.com._report._dmarc.reports.example.net": "v=DMARC1",
  "parked.example.com._report._dmarc.reports.example.net": "v=DMARC1",
};

const ZONES = ["example.com", "example.net"];

type Zone = Map<string, string[]>;

let project: Awaited<ReturnType<typeof keyedProject>>;
let records: DesiredRecord[];
let server: DnsServer;

/** dkimctl's records and the SPF records, by owner name; `edit` changes them before serving. */
function zone(edit?: (z: Zone) => void): Zone {
  const z: Zone = new Map();
  for (const r of records) z.set(r.name, [r.value]);
  for (const [name, value] of Object.entries(SPF)) z.set(name, [value]);
  edit?.(z);
  return z;
}

async function serve(z: Zone): Promise<void> {
  const rrs = (origin: string): ZoneRecord[] =>
    [...z]
      .filter(([name]) => name.endsWith(`.${origin}`) || name === origin)
      .flatMap(([name, values]) => values.map((value) => ({ name: `${name}.`, type: "TXT" as const, ttl: 300, value })));
  await server.reload(ZONES.map((name) => ({ name, zoneFile: zoneFile(name, rrs(name)) })));
}

/** mailauth's verdicts on a message from `from`, signed (unless `unsigned`) by dkimctl's key of `selector`, sent from `ip`. */
async function receive(from: string, selector: string | undefined, ip: string) {
  const message = sampleMessage(from);
  const signed = selector
    ? await signMessage({
        privateKeyPem: readFileSync(join(project.store, from, `${selector}.pem`), "utf8"),
        domain: from,
        selector,
        algorithm: selector.startsWith("e") ? "ed25519" : "rsa",
        message,
      })
    : message;
  const resolver = new dns.Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([server.address]);
  const res = await authenticate(signed, {
    ip,
    helo: "mta.esp.example.net",
    sender: `bounce@${from}`,
    mta: "mx.receiver.example",
    // mailauth asks for TXT, MX, A and AAAA here, and reads each answer as node:dns returns it.
    resolver: (name: string, type: string) => resolver.resolve(name, type) as Promise<string[][] | string[]>,
    disableArc: true,
    disableBimi: true,
  });
  const dmarc = res.dmarc as { status: { result: string }; policy?: string } | false;
  return {
    dkim: (res.dkim.results as { status: { result: string } }[]).map((r) => r.status.result).join(",") || "none",
    spf: (res.spf as { status: { result: string } }).status.result,
    dmarc: dmarc ? dmarc.status.result : "none",
    policy: dmarc ? dmarc.policy : undefined,
  };
}

interface Verdict {
  code: number;
  ready: Record<string, boolean>;
  parts: Record<string, Record<string, string>>;
  text: string;
}

/** `dkimctl verify` against the same server: exit status, each domain's readiness and parts. */
async function verify(): Promise<Verdict> {
  const args = ["verify", "--config", project.config, "--resolver", server.address];
  const j = await dkimctl(...args, "--format", "json");
  const text = await dkimctl(...args);
  expect(text.code).toBe(j.code);
  const domains = (
    JSON.parse(j.out) as {
      domains: { domain: string; ready: boolean; dkim: { status: string }; dmarc: { status: string; summary: string }; spf: { status: string } }[];
    }
  ).domains;
  return {
    code: j.code,
    ready: Object.fromEntries(domains.map((d) => [d.domain, d.ready])),
    parts: Object.fromEntries(domains.map((d) => [d.domain, { dkim: d.dkim.status, dmarc: d.dmarc.status, dmarcSummary: d.dmarc.summary, spf: d.spf.status }])),
    text: text.out,
  };
}

beforeAll(async () => {
  project = await keyedProject(YAML);
  records = desiredRecords(loadConfig(project.config), Lock.read(project.lock));
  server = await startDnsServer(ZONES.map((name) => ({ name, zoneFile: zoneFile(name, []) })));
});
afterAll(async () => {
  await server?.stop();
});

test("all published: mailauth passes DKIM, SPF and DMARC (p=reject); verify says every domain is ready", async () => {
  await serve(zone());
  expect(await receive("example.com", "s1", ESP_IP)).toEqual({ dkim: "pass", spf: "pass", dmarc: "pass", policy: "reject" });
  const v = await verify();
  expect(v.code).toBe(0);
  expect(v.ready).toEqual({ "example.com": true, "news.example.com": true, "parked.example.com": true });
  expect(v.text).toMatch(/^example\.com: ready: meets the bulk-sender requirements$/m);
  expect(v.text).toContain("3 of 3 domains ready");
});

test("a subdomain without its own record: mailauth applies example.com's sp=; verify says it is inherited from _dmarc.example.com", async () => {
  await serve(zone());
  // Unsigned and from a stranger: DMARC fails, and the policy applied is the organizational domain's sp=quarantine.
  expect(await receive("news.example.com", undefined, STRANGER_IP)).toMatchObject({ dkim: "none", spf: "fail", dmarc: "fail", policy: "quarantine" });
  expect(await receive("news.example.com", "e1", ESP_IP)).toMatchObject({ dkim: "pass", dmarc: "pass" });
  const v = await verify();
  expect(v.parts["news.example.com"]).toMatchObject({ dmarc: "ok", dmarcSummary: "sp=quarantine inherited from _dmarc.example.com" });
});

test("the DKIM key record replaced by another key: mailauth's DKIM fails; verify: different, not ready, exit 1", async () => {
  await serve(zone((z) => z.set("s1._domainkey.example.com", [records.find((r) => r.name === "e1._domainkey.news.example.com")!.value])));
  expect(await receive("example.com", "s1", ESP_IP)).toMatchObject({ dkim: expect.stringMatching(/fail|neutral/), spf: "pass", dmarc: "pass" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.ready["example.com"]).toBe(false);
  expect(v.parts["example.com"].dkim).toBe("problem");
});

test("SPF that no longer authorises the provider: mailauth's SPF fails; verify names the range and what to publish, exit 1", async () => {
  await serve(zone((z) => z.set("example.com", ["v=spf1 ip4:198.51.100.0/24 -all"])));
  expect(await receive("example.com", "s1", ESP_IP)).toMatchObject({ dkim: "pass", spf: "fail", dmarc: "pass" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.parts["example.com"].spf).toBe("problem");
  expect(v.text).toContain("include:_spf.esp.example.com is not authorised: not included, directly or through nested includes\n");
  expect(v.text).toContain('publish at example.com: TXT "v=spf1 ip4:198.51.100.0/24 include:_spf.esp.example.com -all"');
  expect(v.text).toContain("needs: SPF: a record that authorises include:_spf.esp.example.com (the one above to publish)\n");
});

test("SPF without a range domains.yaml asks for: the range is named once as not authorised, with why", async () => {
  await serve(zone((z) => z.set("example.com", ["v=spf1 include:_spf.esp.example.com -all"])));
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.text).toContain("ip4:198.51.100.0/24 is not authorised: no pass mechanism in the record or its includes covers it\n");
  expect(v.text).not.toMatch(/not authorised: not authorised/);
  expect(v.text).toContain("needs: SPF: a record that authorises ip4:198.51.100.0/24 (the one above to publish)\n");
});

test("DKIM and SPF both broken: mailauth's DMARC fails and p=reject applies; verify: not ready", async () => {
  await serve(
    zone((z) => {
      z.delete("s1._domainkey.example.com");
      z.set("example.com", ["v=spf1 ip4:198.51.100.0/24 -all"]);
    }),
  );
  expect(await receive("example.com", "s1", ESP_IP)).toMatchObject({ spf: "fail", dmarc: "fail", policy: "reject" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.parts["example.com"]).toMatchObject({ dkim: "missing", spf: "problem" });
});

test("the DMARC record removed: mailauth finds no policy; verify: missing, not ready, exit 1", async () => {
  await serve(zone((z) => z.delete("_dmarc.example.com")));
  expect(await receive("example.com", "s1", ESP_IP)).toMatchObject({ dkim: "pass", spf: "pass", dmarc: "none" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.ready["example.com"]).toBe(false);
  expect(v.parts["example.com"].dmarc).toBe("missing");
  // The subdomain loses the policy it inherited, too.
  expect(v.parts["news.example.com"].dmarc).toBe("missing");
});

test("a weaker DMARC record (p=none): mailauth applies none; verify reports it weaker than domains.yaml asks, exit 1", async () => {
  await serve(zone((z) => z.set("_dmarc.example.com", ["v=DMARC1; p=none; sp=quarantine; rua=mailto:dmarc@example.com"])));
  expect(await receive("example.com", undefined, STRANGER_IP)).toMatchObject({ dmarc: "fail", policy: "none" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.parts["example.com"].dmarc).toBe("problem");
  expect(v.text).toContain("p=none where domains.yaml asks for p=reject");
  expect(v.text).toContain(
    "needs: DMARC: p=reject, rua=mailto:agg@reports.example.net,mailto:dmarc@example.com as domains.yaml gives " +
      "(published: p=none, rua=mailto:dmarc@example.com)\n",
  );
});

test("a parked domain: mailauth rejects its mail; with SPF ~all verify says it is not locked down", async () => {
  await serve(zone());
  expect(await receive("parked.example.com", undefined, ESP_IP)).toMatchObject({ spf: "fail", dmarc: "fail", policy: "reject" });
  await serve(zone((z) => z.set("parked.example.com", ["v=spf1 ~all"])));
  expect(await receive("parked.example.com", undefined, ESP_IP)).toMatchObject({ spf: "softfail", dmarc: "fail", policy: "reject" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.ready["parked.example.com"]).toBe(false);
  expect(v.text).toMatch(/^parked\.example\.com: parked, not locked down$/m);
});

test("an external report destination that has not agreed: receivers still pass the mail; verify says what to publish where, exit 1", async () => {
  await serve(zone((z) => z.delete("example.com._report._dmarc.reports.example.net")));
  expect(await receive("example.com", "s1", ESP_IP)).toMatchObject({ dkim: "pass", spf: "pass", dmarc: "pass", policy: "reject" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.parts["example.com"].dmarc).toBe("problem");
  expect(v.text).toContain(
    'reports.example.net has not agreed to receive rua reports for example.com: publish example.com._report._dmarc.reports.example.net TXT "v=DMARC1"',
  );
  expect(v.text).toContain(
    "needs: DMARC: the consent of reports.example.net to receive rua reports for example.com (example.com._report._dmarc.reports.example.net TXT)\n",
  );
});

test("a parked domain whose report destination has not agreed: still rejected by receivers; the need names the consent, not p=reject", async () => {
  await serve(zone((z) => z.delete("parked.example.com._report._dmarc.reports.example.net")));
  expect(await receive("parked.example.com", undefined, ESP_IP)).toMatchObject({ spf: "fail", dmarc: "fail", policy: "reject" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.parts["parked.example.com"]).toMatchObject({ dkim: "ok", dmarc: "problem", dmarcSummary: "p=reject at _dmarc.parked.example.com", spf: "ok" });
  expect(v.text).toMatch(/^parked\.example\.com: parked: receivers reject all mail from it, but not all that domains\.yaml asks for is in place$/m);
  const parked = v.text.slice(v.text.indexOf("\nparked.example.com: ")).split("\n\n")[0];
  const needs = parked.split("\n").filter((l) => l.startsWith("  needs: "));
  expect(needs).toEqual([
    "  needs: DMARC: the consent of reports.example.net to receive rua reports for parked.example.com " +
      "(parked.example.com._report._dmarc.reports.example.net TXT)",
  ]);
});

test("SPF with +all: mailauth lets a stranger pass SPF; verify: not ready for bulk senders, the problem named, exit 1", async () => {
  await serve(zone((z) => z.set("news.example.com", ["v=spf1 include:_spf.esp.example.com +all"])));
  expect(await receive("news.example.com", undefined, STRANGER_IP)).toMatchObject({ spf: "pass", dmarc: "pass" });
  const v = await verify();
  expect(v.code).toBe(1);
  expect(v.ready["news.example.com"]).toBe(false);
  expect(v.text).toMatch(/^news\.example\.com: not ready$/m);
  expect(v.text).toContain("needs: SPF: a record receivers can use: no '+all'\n");
});
