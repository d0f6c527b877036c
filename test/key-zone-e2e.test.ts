/**
 * Signing-provider mode end to end, through real DNS: knot serves our key
 * zone (as `dkimctl records` gives it) and two customer zones holding only
 * the CNAMEs `dkimctl instructions --format bind` gave them; Debian's unbound
 * resolves in front, as receivers' resolvers do (knot alone answers the
 * CNAME; unbound follows it into our zone). Through a full rotation cycle,
 * both slots rotated twice, dkimpy and mailauth verify mail signed for each
 * customer with the key the export hands the signer, mail signed just before
 * a switch still verifies while its key retires, and the customer zone files
 * never change by a byte. `dkimctl verify` runs after each deploy, as the
 * hourly workflow does: rotate switches a customer to a slot's key only once
 * verify has seen the slot serve it (the signing gate's status file).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { query } from "../src/dns/transport";
import { type DnsServer, startDnsServer, type ZoneRecord, zoneFile } from "./support/dns-server";
import { dkimctl, tempDir, tempProject } from "./support/project";
import { startUnbound, type Unbound } from "./support/unbound";
import { dkimpyVerify, mailauthVerify, signMessage } from "./support/verifiers";

jest.setTimeout(240_000);

const DAY = 86_400_000;
const KEY_ZONE = "keys.esp.test";
const CUSTOMERS = ["shop.test", "news.test"];
const YAML = `version: 1
zones:
  ${KEY_ZONE}: { provider: route53, stacks: 2 }
customers:
  ${KEY_ZONE}:
    key: rsa-2048
    ttl: 300
    rotation: { every: 6d, publishAhead: 1d, retireAfter: 2d }
    domains:
${CUSTOMERS.map((c) => `      ${c}:`).join("\n")}
`;

async function ok(...argv: string[]) {
  const r = await dkimctl(...argv);
  if (r.code !== 0) throw new Error(`dkimctl ${argv.join(" ")}: exit ${r.code}\n${r.err}`);
  return r;
}

let p: ReturnType<typeof tempProject>;
let knot: DnsServer;
let unbound: Unbound;
/** Each customer's zone file, written once from its instructions. */
const customerZones = new Map<string, string>();

/** Our key zone as dkimctl publishes it now. */
async function keyZone(): Promise<string> {
  const records = JSON.parse((await ok("records", "--format", "json", "--config", p.config)).out) as {
    zone: string;
    name: string;
    type: ZoneRecord["type"];
    ttl: number;
    strings: string[];
    value: string;
  }[];
  const ours = records.filter((r) => r.zone === KEY_ZONE);
  return zoneFile(
    KEY_ZONE,
    ours.map((r) => ({ name: `${r.name}.`, type: r.type, ttl: r.ttl, ...(r.type === "TXT" ? { strings: r.strings } : { value: r.value }) })),
  );
}

/**
 * `dkimctl verify` at `t` through unbound: it records in dkim.status.json which
 * key each slot serves, the signing gate rotate asks. A settled customer is
 * checked again only after 30 days (longer than this cycle), or as soon as a
 * slot of its has a new key in the lock.
 */
async function verifyAt(t: number): Promise<void> {
  const at = new Date(t).toISOString();
  await ok("verify", "--resolver", `${unbound.host}:${unbound.port}`, "--now", at, "--recheck-after", "30d", "--config", p.config);
}

const served = async () => [{ name: KEY_ZONE, zoneFile: await keyZone() }, ...[...customerZones].map(([name, text]) => ({ name, zoneFile: text }))];

beforeAll(async () => {
  p = tempProject(YAML);
  await ok("keys", "--config", p.config);
  for (const c of CUSTOMERS) {
    // The customer creates exactly what its instructions say, and nothing else.
    const bind = (await ok("instructions", c, "--format", "bind", "--config", p.config)).out;
    customerZones.set(c, zoneFile(c, []) + bind);
  }
  knot = await startDnsServer(await served());
  unbound = await startUnbound({ stubs: [KEY_ZONE, ...CUSTOMERS].map((name) => ({ name, servers: [knot.address] })) });
});
afterAll(async () => {
  await unbound?.stop();
  await knot?.stop();
});

test("knot answers a customer's selector with the CNAME alone; unbound follows it to the key in our zone", async () => {
  const name = `esp1._domainkey.${CUSTOMERS[0]}`;
  const direct = await query({ host: knot.host, port: knot.port }, name, "TXT");
  expect(direct.answers.map((a) => a.type)).toEqual(["CNAME"]);
  const resolved = await query({ host: unbound.host, port: unbound.port }, name, "TXT", { recursionDesired: true });
  expect(resolved.answers.map((a) => a.type)).toEqual(["CNAME", "TXT"]);
});

test("through a full rotation cycle, mail signed for each customer verifies in dkimpy and mailauth, and the customer zones never change", async () => {
  const lock = () => parse(readFileSync(p.lock, "utf8")).customers as Record<string, Record<string, { state?: string; generation: number; created: string }>>;
  // rotate's clock starts when keys made the first keys.
  const t0 = Math.max(...Object.values(lock()).flatMap((s) => Object.values(s).map((k) => Date.parse(k.created))));
  const zonesAtStart = [...customerZones.values()];
  const out = tempDir();
  const lookup = { dns: { host: unbound.host, port: unbound.port } };
  /** The last message signed for each customer, and with which slot. */
  const inTransit = new Map<string, { signed: string; slot: string }>();
  /** A message signed with each key, by `customer slot.generation`. */
  const signedWith = new Map<string, string>();
  const steps: string[] = [];
  await verifyAt(t0);
  for (let day = 1; day <= 20; day++) {
    const r = await ok("rotate", "--now", new Date(t0 + day * DAY).toISOString(), "--config", p.config);
    if (!/ -> /.test(r.out)) continue;
    steps.push(
      `${day}: ${[...r.out.matchAll(/^(\S+): (esp\d) \(generation (\d+)\) \S+ -> (\S+):/gm)].map((m) => `${m[1]} ${m[2]}.${m[3]} ${m[4]}`).join(", ")}`,
    );
    // The deploy of our zone (only ours changes), then time passes beyond every TTL: resolvers forget what they held.
    await knot.reload(await served());
    await unbound.flush();
    await verifyAt(t0 + day * DAY);
    expect([...customerZones.values()]).toEqual(zonesAtStart);
    await ok("export", "--format", "pem", "--out", out, "--config", p.config);
    for (const customer of CUSTOMERS) {
      const active = Object.entries(lock()[customer]).find(([, k]) => k.state === "active")?.[0];
      if (!active) continue;
      // Mail signed with the key it switched away from is still in transit: it verifies while that key retires.
      const before = inTransit.get(customer);
      if (before && before.slot !== active) {
        const state = lock()[customer][before.slot].state;
        expect({ day, customer, state }).toEqual({ day, customer, state: "retiring" });
        for (const verify of [dkimpyVerify, mailauthVerify])
          expect({ day, customer, ok: (await verify(before.signed, lookup)).ok }).toEqual({ day, customer, ok: true });
      }
      const privateKeyPem = readFileSync(join(out, customer, `${active}.pem`), "utf8");
      const signed = await signMessage({ privateKeyPem, domain: customer, selector: active, algorithm: "rsa" });
      for (const verify of [dkimpyVerify, mailauthVerify]) {
        const v = await verify(signed, lookup);
        expect({ day, customer, selector: active, verifier: verify.name, ok: v.ok, detail: v.ok ? "" : v.detail }).toEqual({
          day,
          customer,
          selector: active,
          verifier: verify.name,
          ok: true,
          detail: "",
        });
      }
      inTransit.set(customer, { signed, slot: active });
      signedWith.set(`${customer} ${active}.${lock()[customer][active].generation}`, signed);
    }
  }
  // Both slots rotated twice for each customer: the first keys signed in turn, then each slot's second key.
  for (const c of CUSTOMERS) {
    const activations = steps.flatMap((s) => [...s.matchAll(new RegExp(`${c.replace(".", "\\.")} (esp\\d\\.\\d) active`, "g"))].map((m) => m[1]));
    expect({ c, activations }).toEqual({ c, activations: ["esp1.1", "esp2.1", "esp1.2", "esp2.2"] });
  }
  expect([...customerZones.values()]).toEqual(zonesAtStart);
  // A key replaced at its slot is gone from DNS (its retireAfter has passed): mail it signed no longer verifies.
  for (const c of CUSTOMERS)
    for (const verify of [dkimpyVerify, mailauthVerify])
      expect({ c, verifier: verify.name, ok: (await verify(signedWith.get(`${c} esp1.1`)!, lookup)).ok }).toEqual({ c, verifier: verify.name, ok: false });
});
