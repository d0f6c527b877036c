/**
 * Test support: a small DNS world for the delegation check, served by real
 * servers. A registry (knot) serves the TLD `test` and delegates customer
 * zones; DNS host A (knot) serves our key zone `esp.test` and most customer
 * zones; DNS host B (knot) serves the zones of customers who made their
 * records elsewhere; unbound resolves through the delegations (stub zones
 * read from the registry's NS records) and validates one signed zone.
 * Customers are seeded with every state a slot can be in.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "../../src/dkim/keys";
import { keyRecordValue } from "../../src/dkim/record";
import type { Server } from "../../src/dns/server";
import type { SlotSpec } from "../../src/delegation/slot";
import { type DnsServer, startDnsServer, type ZoneRecord, zoneFile } from "./dns-server";
import { startUnbound, stubsFromDelegations, type Unbound } from "./unbound";

export const KEY_ZONE = "esp.test";
export const SLOTS = ["esp1", "esp2"] as const;
export const targetOf = (customer: string, slot: string) => `${slot}.${customer.replace(/\./g, "-")}.keys.${KEY_ZONE}`;
export const nameOf = (customer: string, slot: string) => `${slot}._domainkey.${customer}`;

/** Another provider's key and an unrelated name, as customers point at them. */
const FOREIGN_ZONES: Record<string, ZoneRecord[]> = {
  "amazonses.com": [{ name: "abcdefgh1234._domainkey.dkim", type: "TXT", ttl: 60, value: "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC" }],
  "example.net": [{ name: "dkim", type: "TXT", ttl: 60, value: "v=spf1 -all" }],
};

/** A fresh key record per (customer, slot). */
const key = () => keyRecordValue("ed25519", generateKeyPair("ed25519").publicKey);

export interface World {
  readonly slots: SlotSpec[];
  /** What unbound, the walker and the CLI need: the resolver and where each NS host is. */
  readonly resolver: Server;
  readonly nsAddresses: Map<string, Server>;
  readonly unbound: Unbound;
  /** Replaces a customer zone's records on host A (the zone stays delegated) and forgets unbound's cache. */
  setCustomerRecords(customer: string, records: ZoneRecord[]): Promise<void>;
  stop(): Promise<void>;
}

export interface CustomerSeed {
  readonly delegation?: "cname" | "txt";
  /** The customer zone's records on host A (relative names). */
  readonly records?: (slots: Record<string, { target: string; expected: string }>) => ZoneRecord[];
  /** The zone lives on host B instead (and `delegated: false`: the registry does not delegate it). */
  readonly hostB?: boolean;
  readonly delegated?: boolean;
  /** The registry delegates the zone to host B, which does not serve it (lame). */
  readonly lame?: boolean;
  /** The zone on host A names host B at its apex; host B holds these records instead. */
  readonly movedTo?: (slots: Record<string, { target: string; expected: string }>) => ZoneRecord[];
  /** Signed with signatures that expired in 2020 (DNSSEC validation fails). */
  readonly expiredSignatures?: boolean;
  /** Our key zone serves no key at its targets. */
  readonly noKeyServed?: boolean;
}

/** Signs `text` for `zone` with a fresh KSK and ZSK whose signatures expired in 2020; returns the signed zone and the KSK as a trust anchor. */
function signExpired(zone: string, text: string): { zoneFile: string; trustAnchor: string } {
  const dir = mkdtempSync(join(tmpdir(), "dkimctl-sign-"));
  try {
    execFileSync("dnssec-keygen", ["-q", "-K", dir, "-a", "ECDSAP256SHA256", "-f", "KSK", zone], { stdio: "pipe" });
    execFileSync("dnssec-keygen", ["-q", "-K", dir, "-a", "ECDSAP256SHA256", zone], { stdio: "pipe" });
    const keys = readdirSync(dir).filter((f) => f.endsWith(".key"));
    const dnskeys = keys.map(
      (f) =>
        readFileSync(join(dir, f), "utf8")
          .split("\n")
          .find((l) => /\sDNSKEY\s/.test(l))!,
    );
    writeFileSync(join(dir, "zone"), `${text}${dnskeys.join("\n")}\n`);
    execFileSync(
      "dnssec-signzone",
      ["-P", "-S", "-K", dir, "-s", "20200101000000", "-e", "20200201000000", "-o", zone, "-f", join(dir, "signed"), join(dir, "zone")],
      // Run in the temp directory: dnssec-signzone writes the zone's dsset- file into its working directory.
      { stdio: "pipe", cwd: dir },
    );
    const ksk = dnskeys.find((l) => /DNSKEY\s+257\s/.test(l))!;
    return { zoneFile: readFileSync(join(dir, "signed"), "utf8"), trustAnchor: ksk.replace(/\s+/g, " ").trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface WorldOptions {
  /** Each slot's target and the key record it serves (a project's, from its config and lock). @default targetOf and a fresh key */
  readonly keyOf?: (customer: string, slot: string) => { target: string; expected: string };
}

export async function startWorld(customers: Record<string, CustomerSeed>, opts: WorldOptions = {}): Promise<World> {
  const slots: SlotSpec[] = [];
  const expected = new Map<string, Record<string, { target: string; expected: string }>>();
  const keyRecords: ZoneRecord[] = [];
  for (const [customer, seed] of Object.entries(customers)) {
    const mine: Record<string, { target: string; expected: string }> = {};
    for (const slot of SLOTS) {
      const e = opts.keyOf?.(customer, slot) ?? { target: targetOf(customer, slot), expected: key() };
      mine[slot] = e;
      slots.push({
        customer,
        slot,
        name: nameOf(customer, slot),
        target: e.target,
        keyZone: KEY_ZONE,
        delegation: seed.delegation ?? "cname",
        expected: e.expected,
      });
      if (!seed.noKeyServed) keyRecords.push({ name: `${e.target}.`, type: "TXT", ttl: 60, value: e.expected });
    }
    expected.set(customer, mine);
  }

  const hostA = new Map<string, string>([[KEY_ZONE, zoneFile(KEY_ZONE, keyRecords)]]);
  const hostB = new Map<string, string>();
  const registry: ZoneRecord[] = [];
  const trustAnchors: string[] = [];
  const delegate = (zone: string, ns: string) => {
    const label = zone.slice(0, -".test".length);
    registry.push({ name: label, type: "NS", ttl: 60, value: ns });
    if (ns.endsWith(`.${zone}`)) registry.push({ name: `${ns}.`, type: "A", ttl: 60, value: "127.0.0.1" });
  };
  delegate(KEY_ZONE, `ns1.${KEY_ZONE}`);
  const customerZone = (customer: string) => {
    const seed = customers[customer];
    const records = seed.records?.(expected.get(customer)!) ?? [];
    if (seed.movedTo) records.push({ name: "@", type: "NS", ttl: 60, value: "ns.hostb.test" });
    let text = zoneFile(customer, records);
    if (seed.expiredSignatures) {
      const signed = signExpired(customer, text);
      text = signed.zoneFile;
      trustAnchors.push(signed.trustAnchor);
    }
    return text;
  };
  for (const [customer, seed] of Object.entries(customers)) {
    if (seed.lame)
      delegate(customer, `ns1.${customer}`); // pinned to host B below, which does not serve the zone
    else if (seed.hostB) {
      hostB.set(customer, customerZone(customer));
      if (seed.delegated !== false) delegate(customer, `ns1.${customer}`);
    } else {
      hostA.set(customer, customerZone(customer));
      delegate(customer, `ns1.${customer}`);
      if (seed.movedTo) hostB.set(customer, zoneFile(customer, seed.movedTo(expected.get(customer)!)));
    }
  }
  // Other people's zones that customers point at (the world has no root: unbound reaches them as stubs on host B).
  for (const [zone, records] of Object.entries(FOREIGN_ZONES)) hostB.set(zone, zoneFile(zone, records));
  hostB.set("hostb.test", zoneFile("hostb.test", [{ name: "ns", type: "A", ttl: 60, value: "127.0.0.1" }]));
  delegate("hostb.test", "ns1.hostb.test");

  const zones = (m: Map<string, string>) => [...m].map(([name, text]) => ({ name, zoneFile: text }));
  const servers: DnsServer[] = [];
  try {
    const reg = await startDnsServer([{ name: "test", zoneFile: zoneFile("test", registry) }]);
    servers.push(reg);
    const a = await startDnsServer(zones(hostA));
    servers.push(a);
    const b = await startDnsServer(zones(hostB));
    servers.push(b);
    const where = (s: DnsServer): Server => ({ host: s.host, port: s.port });
    const nsAddresses = new Map<string, Server>([
      ["ns1.test", where(reg)],
      ["ns.hostb.test", where(b)],
      ["ns1.hostb.test", where(b)],
      [`ns1.${KEY_ZONE}`, where(a)],
    ]);
    for (const [customer, seed] of Object.entries(customers)) nsAddresses.set(`ns1.${customer}`, where(seed.lame || seed.hostB ? b : a));
    const addresses = new Map([...nsAddresses].map(([n, s]) => [n, `${s.host}:${s.port}`]));
    const unbound = await startUnbound({
      stubs: [
        { name: "test", servers: [reg.address] },
        ...stubsFromDelegations("test", registry, addresses),
        ...Object.keys(FOREIGN_ZONES).map((name) => ({ name, servers: [b.address] })),
      ],
      trustAnchors,
    });
    return {
      slots,
      resolver: { host: unbound.host, port: unbound.port },
      nsAddresses,
      unbound,
      async setCustomerRecords(customer, records) {
        hostA.set(customer, zoneFile(customer, records));
        await a.reload(zones(hostA));
        await unbound.flush();
      },
      async stop() {
        await unbound.stop();
        await Promise.all(servers.map((s) => s.stop()));
      },
    };
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw e;
  }
}
