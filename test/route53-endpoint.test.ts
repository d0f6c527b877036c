/**
 * Proves the Route53Endpoint stand-in (test/support/route53-endpoint.ts) against the REAL
 * terraform binary and hashicorp/aws provider (plain Terraform JSON written to temp dirs, not
 * the product's code), then checks Route 53's rules over plain HTTP.
 *
 * The provider waits 15 s before its first GetChange poll and 15 s between polls, so every
 * apply/destroy that changes records takes at least 15 s. To stay near 90 s, the three
 * Terraform scenarios run at the same time (terraformAsync), each against its own endpoint:
 * the lifecycle runs in its test; the "already exists" and throttling scenarios start in
 * beforeAll and their tests await them.
 */
import * as crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RecordSet, Route53Endpoint } from "./support/route53-endpoint";
import { type TerraformResult, requireTerraform, terraformAsync, terraformEnv } from "./support/terraform";

const SCENARIO_TIMEOUT = 240_000;

// --------------------------------------------------------------------------------------
// helpers
// --------------------------------------------------------------------------------------

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `dkimctl-r53-${prefix}-`));
  tempDirs.push(d);
  return d;
}

function writeConfig(dir: string, config: object): void {
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
}

function baseConfig(): Record<string, any> {
  return {
    terraform: { required_providers: { aws: { source: "hashicorp/aws" } } },
    provider: { aws: { region: "us-east-1" } },
  };
}

async function tf(ep: Route53Endpoint, dir: string, ...args: string[]): Promise<TerraformResult> {
  return terraformAsync([...args, "-no-color"], { cwd: dir, env: terraformEnv(ep.env()) });
}

function expectOk(r: TerraformResult, what: string): void {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
}

function readState(dir: string): any {
  return JSON.parse(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8"));
}

function stateResource(state: any, mode: string, type: string, name: string): any {
  const r = state.resources.find((x: any) => x.mode === mode && x.type === type && x.name === name);
  if (!r) throw new Error(`no ${mode}.${type}.${name} in state`);
  return r.instances;
}

const nonApex = (rs: RecordSet[]) => rs.filter((r) => r.type !== "SOA" && r.type !== "NS");

/** Action of each ChangeResourceRecordSets body (CREATE/UPSERT/DELETE), in order. */
function changeActions(ep: Route53Endpoint): string[] {
  return ep.requests
    .filter((r) => r.action === "ChangeResourceRecordSets" && r.status === 200)
    .flatMap((r) => [...r.body.matchAll(/<Action>(\w+)<\/Action>/g)].map((m) => m[1]));
}

/** A DKIM TXT value for a real 2048-bit RSA key (~410 characters). */
function dkimValue(): string {
  const { publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  return `v=DKIM1; k=rsa; p=${p}`;
}

// --- raw HTTP -------------------------------------------------------------------------

const AUTH = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/${service}/aws4_request, ` +
  `SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;

interface Answer {
  status: number;
  text: string;
  code?: string;
  message?: string;
}

function unxml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

async function http(
  ep: Route53Endpoint,
  method: string,
  p: string,
  body?: string,
  headers: Record<string, string> = { Authorization: AUTH("route53") },
): Promise<Answer> {
  const res = await fetch(ep.url + p, { method, body, headers });
  const text = await res.text();
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([\s\S]*?)<\/Message>/.exec(text)?.[1];
  return { status: res.status, text, code, message: message === undefined ? undefined : unxml(message) };
}

function xmlEsc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;");
}

interface ChangeSpec {
  action: "CREATE" | "DELETE" | "UPSERT";
  name: string;
  type: string;
  ttl?: number | string;
  values?: string[];
}

function changeBatch(changes: ChangeSpec[]): string {
  const body = changes
    .map(
      (c) =>
        `<Change><Action>${c.action}</Action><ResourceRecordSet><Name>${xmlEsc(c.name)}</Name><Type>${c.type}</Type>` +
        (c.ttl !== undefined ? `<TTL>${c.ttl}</TTL>` : "") +
        (c.values ? `<ResourceRecords>${c.values.map((v) => `<ResourceRecord><Value>${xmlEsc(v)}</Value></ResourceRecord>`).join("")}</ResourceRecords>` : "") +
        `</ResourceRecordSet></Change>`,
    )
    .join("");
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">` +
    `<ChangeBatch><Comment>test</Comment><Changes>${body}</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>`
  );
}

function change(ep: Route53Endpoint, zoneId: string, changes: ChangeSpec[]): Promise<Answer> {
  return http(ep, "POST", `/2013-04-01/hostedzone/${zoneId}/rrset/`, changeBatch(changes));
}

const txt = (name: string, value: string, action: ChangeSpec["action"] = "CREATE", ttl = 300): ChangeSpec => ({
  action,
  name,
  type: "TXT",
  ttl,
  values: [value],
});

// --------------------------------------------------------------------------------------
// Terraform scenarios
// --------------------------------------------------------------------------------------

/** A record that exists in Route 53 but not in state: the provider's CREATE must be refused. */
async function conflictScenario(ep: Route53Endpoint) {
  const zoneId = ep.createZone("example.com");
  const seeded: RecordSet = { name: "sel1._domainkey.example.com.", type: "TXT", ttl: 300, values: ['"v=DKIM1; k=rsa; p=OLD"'] };
  ep.putRecord(zoneId, seeded);
  const dir = tempDir("conflict");
  const config = baseConfig();
  config.resource = {
    aws_route53_record: {
      dkim: { zone_id: zoneId, name: "sel1._domainkey.example.com", type: "TXT", ttl: 300, records: ["v=DKIM1; k=rsa; p=NEW"] },
    },
  };
  writeConfig(dir, config);
  expectOk(await tf(ep, dir, "init", "-input=false"), "terraform init");
  const apply = await tf(ep, dir, "apply", "-auto-approve", "-input=false");
  return { zoneId, seeded, apply, dir };
}

/** Eight records created at once under Route 53's 5 requests/second quota. */
async function throttleScenario(ep: Route53Endpoint) {
  const zoneId = ep.createZone("example.org");
  const dir = tempDir("throttle");
  const config = baseConfig();
  config.resource = {
    aws_route53_record: {
      dkim: {
        count: 8,
        zone_id: zoneId,
        name: "s${count.index}._domainkey.example.org",
        type: "TXT",
        ttl: 300,
        records: ["v=DKIM1; k=rsa; p=KEY${count.index}"],
      },
    },
  };
  writeConfig(dir, config);
  expectOk(await tf(ep, dir, "init", "-input=false"), "terraform init");
  const apply = await tf(ep, dir, "apply", "-auto-approve", "-input=false", "-parallelism=10");
  return { zoneId, apply };
}

afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function background<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined); // awaited (and reported) by its test
  return p;
}

describe("Route53Endpoint with the real terraform and AWS provider", () => {
  let lifecycleEp: Route53Endpoint;
  let conflictEp: Route53Endpoint;
  let throttleEp: Route53Endpoint;
  let conflict: ReturnType<typeof conflictScenario>;
  let throttled: ReturnType<typeof throttleScenario>;

  beforeAll(async () => {
    requireTerraform();
    [lifecycleEp, conflictEp, throttleEp] = await Promise.all([
      Route53Endpoint.start({ pendingPolls: 0 }),
      Route53Endpoint.start(),
      Route53Endpoint.start({ throttlePerSecond: 5 }), // default pendingPolls: 1
    ]);
    conflict = background(conflictScenario(conflictEp));
    throttled = background(throttleScenario(throttleEp));
  }, 60_000);

  afterAll(async () => {
    // Never stop an endpoint under a running terraform: its SDK would retry for minutes.
    await Promise.allSettled([conflict, throttled]);
    await Promise.all([lifecycleEp?.stop(), conflictEp?.stop(), throttleEp?.stop()]);
  }, 60_000);

  test(
    "apply (zone data sources by name and by id, 2048-bit DKIM TXT, CNAME), no-change plan, TTL change, destroy",
    async () => {
      const ep = lifecycleEp;
      const zone1 = ep.createZone("Example.COM");
      const privateTwin = ep.createZone("example.com", { private: true });
      const zone2 = ep.createZone("example.net", { id: "Z04567891ABCDEFGHIJKL" });
      const value = dkimValue();
      expect(value.length).toBeGreaterThan(400);
      const first = value.slice(0, 255);
      const rest = value.slice(255);
      const cnameTarget = "s2.domainkey.u1234.wl.sendgrid.net";

      const dir = tempDir("lifecycle");
      const config = (ttl: number) => {
        const c = baseConfig();
        c.data = {
          aws_route53_zone: {
            by_name: { name: "example.com" },
            by_id: { zone_id: zone2 },
          },
        };
        c.resource = {
          aws_route53_record: {
            dkim: {
              zone_id: "${data.aws_route53_zone.by_name.zone_id}",
              name: "s1._domainkey.${data.aws_route53_zone.by_name.name}",
              type: "TXT",
              ttl,
              records: [`${first}""${rest}`],
            },
            cname: {
              zone_id: "${data.aws_route53_zone.by_id.zone_id}",
              name: "s2._domainkey.example.net",
              type: "CNAME",
              ttl,
              records: [cnameTarget],
            },
          },
        };
        return c;
      };
      const expectedTxt = (ttl: number): RecordSet => ({
        name: "s1._domainkey.example.com.",
        type: "TXT",
        ttl,
        values: [`"${first}""${rest}"`],
      });
      const expectedCname = (ttl: number): RecordSet => ({
        name: "s2._domainkey.example.net.",
        type: "CNAME",
        ttl,
        values: [cnameTarget],
      });

      writeConfig(dir, config(300));
      expectOk(await tf(ep, dir, "init", "-input=false"), "terraform init");

      // 1. create
      ep.clearRequests();
      expectOk(await tf(ep, dir, "apply", "-auto-approve", "-input=false"), "terraform apply");
      expect(nonApex(ep.records(zone1))).toEqual([expectedTxt(300)]);
      expect(nonApex(ep.records(zone2))).toEqual([expectedCname(300)]);
      expect(nonApex(ep.records(privateTwin))).toEqual([]);
      expect(changeActions(ep)).toEqual(["CREATE", "CREATE"]);
      expect(ep.requests.filter((r) => r.status !== 200)).toEqual([]);
      expect(ep.requests.filter((r) => r.action === "GetChange").length).toBeGreaterThanOrEqual(2);

      const state = readState(dir);
      const byName = stateResource(state, "data", "aws_route53_zone", "by_name")[0].attributes;
      expect(byName.zone_id).toBe(zone1);
      expect(byName.name).toBe("example.com");
      expect(byName.private_zone).toBe(false);
      expect(byName.name_servers).toHaveLength(4);
      const ns = ep.records(zone1).find((r) => r.type === "NS")!;
      expect(byName.name_servers.map((s: string) => `${s}.`).sort()).toEqual([...ns.values].sort());
      const byId = stateResource(state, "data", "aws_route53_zone", "by_id")[0].attributes;
      expect(byId.name).toBe("example.net");
      const dkim = stateResource(state, "managed", "aws_route53_record", "dkim")[0].attributes;
      // The provider wraps the value in quotes on write and strips the outer ones on read.
      expect(dkim.records).toEqual([`${first}""${rest}`]);
      expect(dkim.fqdn).toBe("s1._domainkey.example.com");

      const zoneFile = ep.zoneFile(zone1);
      expect(zoneFile).toContain(`s1._domainkey.example.com.\t300\tIN\tTXT\t"${first}" "${rest}"`);

      // 2. nothing to do
      ep.clearRequests();
      const plan = await tf(ep, dir, "plan", "-detailed-exitcode", "-input=false");
      expect({ status: plan.status, out: plan.status === 0 ? "" : plan.stdout + plan.stderr }).toEqual({ status: 0, out: "" });
      expect(plan.stdout).toContain("No changes.");
      expect(ep.requests.filter((r) => r.action === "ChangeResourceRecordSets")).toEqual([]);
      expect(nonApex(ep.records(zone1))).toEqual([expectedTxt(300)]);
      expect(nonApex(ep.records(zone2))).toEqual([expectedCname(300)]);

      // 3. TTL change: updated in place with UPSERT
      writeConfig(dir, config(600));
      ep.clearRequests();
      const update = await tf(ep, dir, "apply", "-auto-approve", "-input=false");
      expectOk(update, "terraform apply (ttl 600)");
      expect(update.stdout).toContain("0 added, 2 changed, 0 destroyed");
      expect(changeActions(ep)).toEqual(["UPSERT", "UPSERT"]);
      expect(nonApex(ep.records(zone1))).toEqual([expectedTxt(600)]);
      expect(nonApex(ep.records(zone2))).toEqual([expectedCname(600)]);

      // 4. destroy
      ep.clearRequests();
      expectOk(await tf(ep, dir, "destroy", "-auto-approve", "-input=false"), "terraform destroy");
      expect(changeActions(ep)).toEqual(["DELETE", "DELETE"]);
      expect(ep.records(zone1).map((r) => r.type)).toEqual(["NS", "SOA"]);
      expect(ep.records(zone2).map((r) => r.type)).toEqual(["NS", "SOA"]);
    },
    SCENARIO_TIMEOUT,
  );

  test(
    "a record already in the zone but not in state: terraform apply fails with Route 53's InvalidChangeBatch",
    async () => {
      const { zoneId, seeded, apply } = await conflict;
      expect(apply.status).not.toBe(0);
      const out = apply.stdout + apply.stderr;
      expect(out).toContain("creating Route53 Record");
      expect(out).toContain("StatusCode: 400");
      expect(out).toContain(
        "InvalidChangeBatch: [Tried to create resource record set [name='sel1._domainkey.example.com.', type='TXT'] but it already exists]",
      );
      expect(nonApex(conflictEp.records(zoneId))).toEqual([seeded]);
      const refused = conflictEp.requests.filter((r) => r.action === "ChangeResourceRecordSets");
      expect(refused.map((r) => [r.status, r.error])).toEqual([[400, "InvalidChangeBatch"]]);
      expect(refused[0].body).toContain("<Action>CREATE</Action>");
    },
    SCENARIO_TIMEOUT,
  );

  test(
    "throttled to Route 53's 5 requests/second: the SDK retries and terraform apply still succeeds",
    async () => {
      const { zoneId, apply } = await throttled;
      expectOk(apply, "terraform apply under throttling");
      const reqs = throttleEp.requests;
      const throttledReqs = reqs.filter((r) => r.error === "Throttling");
      expect(throttledReqs.length).toBeGreaterThan(0);
      expect(throttledReqs.every((r) => r.status === 400)).toBe(true);
      expect(nonApex(throttleEp.records(zoneId)).map((r) => [r.name, r.values[0]])).toEqual(
        [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`s${i}._domainkey.example.org.`, `"v=DKIM1; k=rsa; p=KEY${i}"`]),
      );
      // Waiter: each change answered PENDING once (default pendingPolls) before INSYNC.
      const polls = new Map<string, number>();
      for (const r of reqs.filter((x) => x.action === "GetChange" && x.status === 200)) {
        polls.set(r.path, (polls.get(r.path) ?? 0) + 1);
      }
      expect(polls.size).toBe(8);
      expect([...polls.values()].every((n) => n === 2)).toBe(true);
    },
    SCENARIO_TIMEOUT,
  );
});

// --------------------------------------------------------------------------------------
// Route 53's rules over plain HTTP
// --------------------------------------------------------------------------------------

describe("Route53Endpoint enforces Route 53's rules", () => {
  let ep: Route53Endpoint;
  let zone: string;

  beforeAll(async () => {
    ep = await Route53Endpoint.start();
    zone = ep.createZone("example.com");
  });
  afterAll(async () => {
    await ep?.stop();
  });

  const only = (name: string, type = "TXT") => ep.records(zone).filter((r) => r.name === name && r.type === type);

  test("TXT: a 255-octet character-string is accepted, 256 octets is CharacterStringTooLong", async () => {
    const ok = await change(ep, zone, [txt("ok255.example.com", `"${"a".repeat(255)}"`)]);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("<Status>PENDING</Status>");

    const v = `"${"a".repeat(256)}"`;
    const bad = await change(ep, zone, [txt("long256.example.com", v)]);
    expect(bad.status).toBe(400);
    expect(bad.code).toBe("InvalidChangeBatch");
    expect(bad.text).toContain("<Type>Sender</Type>");
    expect(bad.text).toContain('<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">');
    expect(bad.message).toBe(`[Invalid Resource Record: 'FATAL problem: CharacterStringTooLong (Value is too long) encountered with '${v}'']`);
    expect(only("long256.example.com.")).toEqual([]);

    // The second string of a split value is checked too.
    const split = await change(ep, zone, [txt("split.example.com", `"${"a".repeat(255)}""${"b".repeat(256)}"`)]);
    expect(split.message).toContain("CharacterStringTooLong (Value is too long)");
  });

  test("TXT: a 4,000-character value is accepted, 4,001 is TXTRDATATooLong", async () => {
    const s = `"${"a".repeat(255)}"`; // 257 characters
    const head = Array(15).fill(s).join(" "); // 15 * 257 + 14 = 3869
    const v4000 = `${head} "${"b".repeat(128)}"`;
    const v4001 = `${head} "${"b".repeat(129)}"`;
    expect([v4000.length, v4001.length]).toEqual([4000, 4001]);
    expect((await change(ep, zone, [txt("max.example.com", v4000)])).status).toBe(200);
    const bad = await change(ep, zone, [txt("over.example.com", v4001)]);
    expect(bad.status).toBe(400);
    expect(bad.code).toBe("InvalidChangeBatch");
    expect(bad.message).toContain("FATAL problem: TXTRDATATooLong (Value is too long) encountered with");
    expect(only("over.example.com.")).toEqual([]);
  });

  test("TXT: unquoted, unterminated or partly unquoted values are InvalidCharacterString", async () => {
    for (const v of ["v=spf1 -all", '"v=spf1 -all', '"v=DKIM1" p=abc', "", '"abc"x']) {
      const r = await change(ep, zone, [txt("unquoted.example.com", v)]);
      expect({ v, status: r.status, code: r.code }).toEqual({ v, status: 400, code: "InvalidChangeBatch" });
      expect(r.message).toBe(
        `[Invalid Resource Record: 'FATAL problem: InvalidCharacterString (Value should be enclosed in quotation marks) encountered with '${v}'']`,
      );
    }
    expect(only("unquoted.example.com.")).toEqual([]);
  });

  test('TXT: escapes \\" \\\\ and \\DDD (octal) count as one octet each', async () => {
    // 253 'a' + \" + \\ = 255 octets; + \101 = 256.
    const at255 = `"${"a".repeat(253)}\\"\\\\"`;
    const at256 = `"${"a".repeat(253)}\\"\\\\\\101"`;
    expect((await change(ep, zone, [txt("esc.example.com", at255)])).status).toBe(200);
    expect((await change(ep, zone, [txt("esc2.example.com", at256)])).message).toContain("CharacterStringTooLong");
    expect((await change(ep, zone, [txt("esc3.example.com", '"bad \\400 octal"')])).code).toBe("InvalidChangeBatch");
    expect((await change(ep, zone, [txt("esc4.example.com", '"tab\\011 and quote \\" ok" "two"')])).status).toBe(200);
    expect(only("esc.example.com.")[0].values).toEqual([at255]);
  });

  test("DELETE must match the current TTL and values exactly", async () => {
    const name = "del.example.com";
    expect((await change(ep, zone, [txt(name, '"v=one"')])).status).toBe(200);
    const wrongValue = await change(ep, zone, [txt(name, '"v=two"', "DELETE")]);
    expect(wrongValue.status).toBe(400);
    expect(wrongValue.code).toBe("InvalidChangeBatch");
    expect(wrongValue.message).toBe(
      "[Tried to delete resource record set [name='del.example.com.', type='TXT'] but the values provided do not match the current values]",
    );
    const wrongTtl = await change(ep, zone, [txt(name, '"v=one"', "DELETE", 301)]);
    expect(wrongTtl.message).toContain("but the values provided do not match the current values");
    const missing = await change(ep, zone, [txt("nothere.example.com", '"v=one"', "DELETE")]);
    expect(missing.message).toBe("[Tried to delete resource record set [name='nothere.example.com.', type='TXT'] but it was not found]");
    const noTtl = await change(ep, zone, [{ action: "DELETE", name, type: "TXT" }]);
    expect(noTtl.code).toBe("InvalidInput");
    expect(noTtl.message).toContain("Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]");
    expect(only("del.example.com.")).toHaveLength(1);
    expect((await change(ep, zone, [txt("DEL.example.com.", '"v=one"', "DELETE")])).status).toBe(200);
    expect(only("del.example.com.")).toEqual([]);
  });

  test("names: case-insensitive, trailing dot optional, stored lower case with Route 53's escapes", async () => {
    expect((await change(ep, zone, [txt("Sel._DomainKey.Example.COM", '"v=DKIM1"')])).status).toBe(200);
    const again = await change(ep, zone, [txt("sel._domainkey.example.com.", '"v=DKIM1"')]);
    expect(again.message).toBe("[Tried to create resource record set [name='sel._domainkey.example.com.', type='TXT'] but it already exists]");
    expect(only("sel._domainkey.example.com.")).toEqual([{ name: "sel._domainkey.example.com.", type: "TXT", ttl: 300, values: ['"v=DKIM1"'] }]);
    const list = await http(ep, "GET", `/2013-04-01/hostedzone/${zone}/rrset?name=SEL._domainkey.EXAMPLE.com&type=TXT&maxitems=1`);
    expect(list.text).toContain("<Name>sel._domainkey.example.com.</Name>");
    expect((await change(ep, zone, [txt("*.wild.example.com", '"x"')])).status).toBe(200);
    expect(only("\\052.wild.example.com.")).toHaveLength(1);
    const upsert = await change(ep, zone, [txt("SEL._domainkey.example.com", '"v=DKIM1; k=rsa"', "UPSERT", 60)]);
    expect(upsert.status).toBe(200);
    expect(only("sel._domainkey.example.com.")).toEqual([{ name: "sel._domainkey.example.com.", type: "TXT", ttl: 60, values: ['"v=DKIM1; k=rsa"'] }]);
  });

  test("names must be in the zone; CNAME never shares a name, and never sits at the apex", async () => {
    const outside = await change(ep, zone, [txt("sel._domainkey.example.org", '"x"')]);
    expect(outside.message).toBe("[RRSet with DNS name sel._domainkey.example.org. is not permitted in zone example.com.]");
    const lookalike = await change(ep, zone, [txt("badexample.com", '"x"')]);
    expect(lookalike.code).toBe("InvalidChangeBatch");

    const cname = (name: string, target: string, action: ChangeSpec["action"] = "CREATE"): ChangeSpec => ({
      action,
      name,
      type: "CNAME",
      ttl: 300,
      values: [target],
    });
    expect((await change(ep, zone, [cname("c1._domainkey.example.com", "c1.dkim.example.net")])).status).toBe(200);
    const txtOnCname = await change(ep, zone, [txt("c1._domainkey.example.com", '"v=DKIM1"')]);
    expect(txtOnCname.message).toBe(
      "[RRSet of type TXT with DNS name c1._domainkey.example.com. is not permitted " +
        "because a conflicting RRSet of type  CNAME with the same DNS name already exists in zone example.com.]",
    );
    expect((await change(ep, zone, [txt("c2._domainkey.example.com", '"v=DKIM1"')])).status).toBe(200);
    const cnameOnTxt = await change(ep, zone, [cname("c2._domainkey.example.com", "c2.dkim.example.net", "UPSERT")]);
    expect(cnameOnTxt.message).toBe(
      "[RRSet of type CNAME with DNS name c2._domainkey.example.com. is not permitted " +
        "as it conflicts with other records with the same DNS name in zone example.com.]",
    );
    const apex = await change(ep, zone, [cname("example.com", "elsewhere.example.net")]);
    expect(apex.message).toBe("[RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.]");
    const badLabel = await change(ep, zone, [cname("c3._domainkey.example.com", `${"x".repeat(64)}.example.net`)]);
    expect(badLabel.message).toContain("FATAL problem: DomainLabelTooLong (Domain label is too long)");
  });

  test("TTL must be 0..2147483647", async () => {
    expect((await change(ep, zone, [txt("ttl0.example.com", '"x"', "CREATE", 0)])).status).toBe(200);
    expect((await change(ep, zone, [txt("ttlmax.example.com", '"x"', "CREATE", 2147483647)])).status).toBe(200);
    for (const ttl of [-1, 2147483648]) {
      const r = await change(ep, zone, [txt("ttlbad.example.com", '"x"', "CREATE", ttl)]);
      expect({ ttl, status: r.status, code: r.code }).toEqual({ ttl, status: 400, code: "InvalidInput" });
    }
    expect(only("ttlbad.example.com.")).toEqual([]);
  });

  test("a change batch is atomic: one bad change and nothing is applied", async () => {
    const before = ep.records(zone);
    const r = await change(ep, zone, [
      txt("atomic1.example.com", '"fine"'),
      txt("ttl0.example.com", '"x"', "UPSERT", 5),
      txt("atomic2.example.com", "unquoted"),
      txt("atomic3.example.com", '"fine too"'),
    ]);
    expect(r.status).toBe(400);
    expect(r.code).toBe("InvalidChangeBatch");
    expect(ep.records(zone)).toEqual(before);

    // Changes apply in order within a batch: DELETE then CREATE replaces a record set.
    const replace = await change(ep, zone, [txt("ttl0.example.com", '"x"', "DELETE", 0), txt("ttl0.example.com", '"y"', "CREATE", 120)]);
    expect(replace.status).toBe(200);
    expect(only("ttl0.example.com.")).toEqual([{ name: "ttl0.example.com.", type: "TXT", ttl: 120, values: ['"y"'] }]);
    // Deleting the same set twice in one batch fails, and so does the whole batch.
    const twice = await change(ep, zone, [txt("ttl0.example.com", '"y"', "DELETE", 120), txt("ttl0.example.com", '"y"', "DELETE", 120)]);
    expect(twice.message).toBe("[Tried to delete resource record set [name='ttl0.example.com.', type='TXT'] but it was not found]");
    expect(only("ttl0.example.com.")).toHaveLength(1);
  });

  test("ListResourceRecordSets: Route 53's order (labels reversed, then type) and pagination", async () => {
    const z = ep.createZone("example.org");
    for (const n of ["z", "a", "a-b", "_dmarc", "*", "b.a"]) ep.putRecord(z, { name: `${n}.example.org`, type: "TXT", ttl: 60, values: ['"x"'] });
    ep.putRecord(z, { name: "a.example.org", type: "MX", ttl: 60, values: ["10 mx.example.org."] });
    const expected = [
      "example.org. NS",
      "example.org. SOA",
      "\\052.example.org. TXT",
      "_dmarc.example.org. TXT",
      "a-b.example.org. TXT", // '-' sorts before the '.' that ends "a."
      "a.example.org. MX",
      "a.example.org. TXT",
      "b.a.example.org. TXT",
      "z.example.org. TXT",
    ];
    expect(ep.records(z).map((r) => `${r.name} ${r.type}`)).toEqual(expected);

    const seen: string[] = [];
    let q = "maxitems=2";
    for (let page = 0; page < 10; page++) {
      const r = await http(ep, "GET", `/2013-04-01/hostedzone/${z}/rrset?${q}`);
      expect(r.status).toBe(200);
      const sets = [...r.text.matchAll(/<ResourceRecordSet><Name>([^<]*)<\/Name><Type>([^<]*)<\/Type>/g)];
      expect(sets.length).toBeLessThanOrEqual(2);
      seen.push(...sets.map((m) => `${m[1]} ${m[2]}`));
      if (!r.text.includes("<IsTruncated>true</IsTruncated>")) break;
      const nextName = /<NextRecordName>([^<]*)</.exec(r.text)![1];
      const nextType = /<NextRecordType>([^<]*)</.exec(r.text)![1];
      q = `maxitems=2&name=${encodeURIComponent(nextName)}&type=${nextType}`;
    }
    expect(seen).toEqual(expected);

    // Start in the middle, as the provider does to read one set (name+type, maxitems=1).
    const one = await http(ep, "GET", `/2013-04-01/hostedzone/${z}/rrset?maxitems=1&name=a.example.org.&type=TXT`);
    expect(one.text).toMatch(/<ResourceRecordSets><ResourceRecordSet><Name>a\.example\.org\.<\/Name><Type>TXT<\/Type>/);
    expect(one.text).toContain("<IsTruncated>true</IsTruncated><NextRecordName>b.a.example.org.</NextRecordName><NextRecordType>TXT</NextRecordType>");
    const typeOnly = await http(ep, "GET", `/2013-04-01/hostedzone/${z}/rrset?type=TXT`);
    expect([typeOnly.status, typeOnly.code]).toEqual([400, "InvalidInput"]);
  });

  test("GetChange answers PENDING for `pendingPolls` polls, then INSYNC", async () => {
    const slow = await Route53Endpoint.start({ pendingPolls: 2 });
    try {
      const z = slow.createZone("example.com");
      const r = await change(slow, z, [txt("w.example.com", '"x"')]);
      const id = /<Id>\/change\/(C[A-Z0-9]+)<\/Id>/.exec(r.text)![1];
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(/<Status>(\w+)</.exec((await http(slow, "GET", `/2013-04-01/change/${id}`)).text)![1]);
      expect(statuses).toEqual(["PENDING", "PENDING", "INSYNC", "INSYNC"]);
      const none = await http(slow, "GET", "/2013-04-01/change/CNOSUCHCHANGE0000");
      expect([none.status, none.code]).toEqual([404, "NoSuchChange"]);
    } finally {
      await slow.stop();
    }
  });

  test("Throttling: HTTP 400 Throttling / Rate exceeded past the rate, then recovers", async () => {
    const limited = await Route53Endpoint.start({ throttlePerSecond: 5 });
    try {
      const z = limited.createZone("example.com");
      const burst = await Promise.all(Array.from({ length: 12 }, () => http(limited, "GET", `/2013-04-01/hostedzone/${z}`)));
      const refused = burst.filter((r) => r.status !== 200);
      // A full bucket holds 5 tokens; one more may drip in (every 200 ms) during the burst.
      expect(burst.length - refused.length).toBeGreaterThanOrEqual(5);
      expect(burst.length - refused.length).toBeLessThanOrEqual(6);
      for (const r of refused) {
        expect([r.status, r.code, r.message]).toEqual([400, "Throttling", "Rate exceeded"]);
        expect(r.text).toMatch(
          new RegExp(
            /^<\?xml version="1.0"\?>\n<ErrorResponse xmlns="https:\/\/route53\.amazonaws\.com\/doc\/2013-04-01\/">/.source +
              /<Error><Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message><\/Error>/.source +
              /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/.source,
          ),
        );
      }
      // STS is not throttled, and tokens come back at 5 per second.
      expect((await http(limited, "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", { Authorization: AUTH("sts") })).status).toBe(200);
      await new Promise((res) => setTimeout(res, 450));
      expect((await http(limited, "GET", `/2013-04-01/hostedzone/${z}`)).status).toBe(200);
      expect(limited.requests.filter((r) => r.error === "Throttling")).toHaveLength(refused.length);
    } finally {
      await limited.stop();
    }
  });

  test("zones: GetHostedZone, ListHostedZones, tags, NoSuchHostedZone, auth, STS, unknown calls", async () => {
    const got = await http(ep, "GET", `/2013-04-01/hostedzone/${zone}`);
    expect(got.text).toContain(`<Id>/hostedzone/${zone}</Id><Name>example.com.</Name>`);
    expect(got.text).toMatch(/<DelegationSet><NameServers>(<NameServer>ns-\d+\.awsdns-\d\d\.[a-z.]+<\/NameServer>){4}<\/NameServers><\/DelegationSet>/);
    expect(zone).toMatch(/^Z[A-Z0-9]{13,21}$/);
    const list = await http(ep, "GET", "/2013-04-01/hostedzone?maxitems=1");
    expect(list.text).toContain("<IsTruncated>true</IsTruncated><NextMarker>");
    const tags = await http(ep, "GET", `/2013-04-01/tags/hostedzone/${zone}`);
    expect(tags.text).toContain(`<ResourceTagSet><ResourceType>hostedzone</ResourceType><ResourceId>${zone}</ResourceId><Tags/>`);
    const missing = await http(ep, "GET", "/2013-04-01/hostedzone/Z0000000000000000000");
    expect([missing.status, missing.code, missing.message]).toEqual([404, "NoSuchHostedZone", "No hosted zone found with ID: Z0000000000000000000"]);
    const unsigned = await http(ep, "GET", `/2013-04-01/hostedzone/${zone}`, undefined, {});
    expect([unsigned.status, unsigned.code]).toEqual([403, "MissingAuthenticationToken"]);
    const wrongRegion = await http(ep, "GET", `/2013-04-01/hostedzone/${zone}`, undefined, {
      Authorization: AUTH("route53").replace("us-east-1", "eu-west-1"),
    });
    expect([wrongRegion.status, wrongRegion.code]).toEqual([403, "SignatureDoesNotMatch"]);
    const sts = await http(ep, "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", { Authorization: AUTH("sts") });
    expect(sts.text).toContain("<Account>123456789012</Account>");
    const unknown = await http(ep, "POST", "/2013-04-01/hostedzone", "<CreateHostedZoneRequest/>");
    expect([unknown.status, unknown.code]).toEqual([400, "InvalidAction"]);
  });

  test("zoneFile() is an RFC 1035 master file that named-checkzone loads", () => {
    const z = ep.createZone("example.net");
    const value = dkimValue();
    ep.putRecord(z, { name: "s1._domainkey.example.net", type: "TXT", ttl: 300, values: [`"${value.slice(0, 255)}""${value.slice(255)}"`] });
    ep.putRecord(z, { name: "q._domainkey.example.net", type: "TXT", ttl: 300, values: ['"a \\"quoted\\" \\\\ \\303\\251"'] });
    ep.putRecord(z, { name: "*.example.net", type: "TXT", ttl: 300, values: ['"wild"'] });
    ep.putRecord(z, { name: "s2._domainkey.example.net", type: "CNAME", ttl: 300, values: ["s2.dkim.example.org"] });
    const text = ep.zoneFile(z);
    expect(text).toContain("$ORIGIN example.net.\n");
    expect(text).toMatch(/^example\.net\.\t900\tIN\tSOA\tns-\S+\. awsdns-hostmaster\.amazon\.com\. 1 7200 900 1209600 86400$/m);
    expect(text.match(/^example\.net\.\t172800\tIN\tNS\t/gm)).toHaveLength(4);
    expect(text).toContain(`s1._domainkey.example.net.\t300\tIN\tTXT\t"${value.slice(0, 255)}" "${value.slice(255)}"\n`);
    expect(text).toContain('q._domainkey.example.net.\t300\tIN\tTXT\t"a \\"quoted\\" \\\\ \\195\\169"\n'); // octal -> decimal
    expect(text).toContain('*.example.net.\t300\tIN\tTXT\t"wild"\n');
    expect(text).toContain("s2._domainkey.example.net.\t300\tIN\tCNAME\ts2.dkim.example.org.\n");

    const dir = tempDir("zonefile");
    const file = path.join(dir, "example.net.zone");
    fs.writeFileSync(file, text);
    const quiet = { encoding: "utf8" as const, stdio: ["ignore", "pipe", "pipe"] as ["ignore", "pipe", "pipe"] };
    const out = execFileSync("named-checkzone", ["-i", "local", "example.net", file], quiet);
    expect(out).toContain("OK");
    const dump = execFileSync("named-checkzone", ["-D", "-o", "-", "example.net", file], quiet);
    expect(dump).toContain('"a \\"quoted\\" \\\\ \\195\\169"');
  });
});
