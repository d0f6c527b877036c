/**
 * Benchmark inputs: a domains.yaml + dkim.lock.yaml pair of a given size,
 * and the same records precomputed for bench/floor.ts (so the floor does no
 * YAML or validation work).
 *
 * The domains are spread over `zones` zones (100 by default: half Route53,
 * half Cloudflare; in each provider half have a zoneId, half are looked up by
 * name). Every domain has two selectors: `s2026a`, a provided (`txt:`)
 * RSA-2048 key record (one key, reused), and `d2026a`, delegated to a signing
 * provider by CNAME. With `generatedKeys: n`, each domain also has n
 * generated Ed25519 selectors (`e2026a`, `e2026b`, …) whose lock entries are
 * written here directly (the load benchmark: 10,000 domains, 20,000 keys).
 *
 * Everything is deterministic: the RSA key is a fixed public key and the
 * Ed25519 ones are derived from their index, so a size always makes the same
 * bytes (test/golden.test.ts keeps the synth of a generated project).
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fingerprint } from "../src/dkim/keys";
import { Lock } from "../src/keys/lock";
import { loadConfig } from "../src/config/load";
import { logicalId } from "../src/logical-id";
import { route53 } from "../src/providers/route53";
import { stackContents } from "../src/stacks";

export type BenchProvider = "route53" | "cloudflare";

export interface BenchZone {
  readonly name: string;
  readonly provider: BenchProvider;
  readonly zoneId?: string;
}

/** The zones of a generated project: alternately Route53 and Cloudflare; of each provider's, every other one has a zoneId. */
export function benchZones(count: number): BenchZone[] {
  return Array.from({ length: count }, (_, i) => {
    const provider: BenchProvider = i % 2 === 0 ? "route53" : "cloudflare";
    const n = String(i).padStart(3, "0");
    const name = `${provider === "route53" ? "r53" : "cf"}-${n}.bench.example`;
    if (i % 4 >= 2) return { name, provider };
    const zoneId = provider === "route53" ? `Z0BENCHZONE${n.padStart(11, "0")}` : createHash("md5").update(name).digest("hex");
    return { name, provider, zoneId };
  });
}

export const DEFAULT_ZONES = 100;
export const PROVIDED_SELECTOR = "s2026a";
export const DELEGATED_SELECTOR = "d2026a";
/** The generated selectors, as many as `generatedKeys` asks for. */
export const GENERATED_SELECTORS = ["e2026a", "e2026b", "e2026c"] as const;
export const TTL = 3600;
const CREATED = "2026-01-01T00:00:00Z";

/** A real RSA-2048 public key (its private half was never kept): every provided record publishes it. */
const RSA_PUBLIC_KEY =
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzPRta15vN6pAKyJ+5CMxEGhrXpXJoUOmrPBFIM65O5JUpQqJfeQSSsM6TKAkk7v/Zcfz0T3L2N38rQzJaxrkFz9VcQRGSr6qG5NN9kdDpen7" +
  "Fg7+j8NxacQmsPtqh2mBy8xPC+ZZjQP55b3CaBiWjbi/Z7donMOwSr9oabqHX6Ts6/IxHt2y1svy5pIynU7vvwwuxrtxJqRpLJ+FGuJ59El98tsjvEkx0PCI29GDp0bIBE0sb0zckY9d6ZTKkizR/TUJ" +
  "ekLp+KtHSRVXY/1tgoYI4h5xcRG0m9F1FlcwW+4ZVnGGuAf6O173a5eta1R+XO8OSv4I/n7g9IPAmjDCGwIDAQAB";

/** What bench/floor.ts reads: final attribute values, one entry per stack. */
export interface FloorInput {
  readonly zones: FloorZone[];
}
export interface FloorZone {
  readonly stack: string;
  readonly name: string;
  readonly provider: BenchProvider;
  readonly zoneId?: string;
  readonly records: FloorRecord[];
}
export interface FloorRecord {
  /** Terraform logical id. */
  readonly id: string;
  readonly name: string;
  readonly type: "TXT" | "CNAME";
  readonly ttl: number;
  /** Route53: the single `records` element. Cloudflare: `content`. */
  readonly value: string;
  /** Cloudflare only. */
  readonly comment: string;
}

export interface GenerateOptions {
  /** How many zones the domains are spread over. @default 100 */
  readonly zones?: number;
  /** Generated Ed25519 selectors per domain, with their lock entries. @default 0 */
  readonly generatedKeys?: number;
}

export interface GeneratedConfig {
  readonly size: number;
  readonly dir: string;
  readonly configFile: string;
  readonly lockFile: string;
  readonly floorFile: string;
  readonly zones: number;
  readonly records: number;
  /** Entries written to the lock. */
  readonly keys: number;
}

/**
 * The `p=` value of generated key `i`: 32 bytes (sha256 of the index) in the
 * form of an Ed25519 public key. Nothing here signs or verifies with it, and
 * deriving real keys would take a minute at 20,000 keys.
 */
export function ed25519PublicKey(i: number): string {
  return createHash("sha256").update(`dkimctl-bench-ed25519-${i}`).digest("base64");
}

export function stackNameOf(zone: string): string {
  return zone.replace(/\./g, "-");
}

/** TXT character-strings of an ASCII value: at most 255 bytes each. */
function split255(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [""];
}

function providerTxt(provider: BenchProvider, value: string): string {
  const strings = split255(value);
  return provider === "route53" ? strings.join('""') : strings.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(" ");
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Writes `<dir>/domains.yaml`, `<dir>/dkim.lock.yaml` and `<dir>/floor.json` for `size` domains. */
export function generateConfig(dir: string, size: number, options: GenerateOptions = {}): GeneratedConfig {
  const zones = benchZones(options.zones ?? DEFAULT_ZONES);
  const generated = GENERATED_SELECTORS.slice(0, options.generatedKeys ?? 0);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, "domains.yaml");
  const lockFile = join(dir, "dkim.lock.yaml");
  const floorFile = join(dir, "floor.json");
  const providedTxt = `v=DKIM1; k=rsa; p=${RSA_PUBLIC_KEY}`;

  const yaml: string[] = ["# Generated by bench/generate.ts", "version: 1", "defaults:", `  ttl: ${TTL}`, "  key: rsa-2048", "zones:"];
  for (const z of zones) {
    yaml.push(`  ${z.name}:`, `    provider: ${z.provider}`);
    if (z.zoneId) yaml.push(`    zoneId: ${z.zoneId}`);
  }
  yaml.push("domains:");

  const lock = new Lock();
  const byZone = new Map<string, FloorRecord[]>(zones.map((z) => [z.name, []]));
  for (let i = 0; i < size; i++) {
    const zone = zones[i % zones.length];
    const domain = `d${String(i).padStart(6, "0")}.${zone.name}`;
    const target = `${DELEGATED_SELECTOR}.d${i}.dkim.esp.example`;
    yaml.push(
      `  ${domain}:`,
      "    selectors:",
      `      ${PROVIDED_SELECTOR}:`,
      `        txt: "${providedTxt}"`,
      `      ${DELEGATED_SELECTOR}: { cname: ${target} }`,
    );
    const values: [string, "TXT" | "CNAME", string][] = [
      [PROVIDED_SELECTOR, "TXT", providerTxt(zone.provider, providedTxt)],
      [DELEGATED_SELECTOR, "CNAME", target],
    ];
    generated.forEach((selector, j) => {
      const publicKey = ed25519PublicKey(i * GENERATED_SELECTORS.length + j);
      yaml.push(`      ${selector}: { key: ed25519 }`);
      lock.set(domain, selector, { algorithm: "ed25519", publicKey, fingerprint: fingerprint(publicKey), created: CREATED });
      values.push([selector, "TXT", providerTxt(zone.provider, `v=DKIM1; k=ed25519; p=${publicKey}`)]);
    });
    const records = byZone.get(zone.name)!;
    for (const [selector, type, value] of values) {
      const name = `${selector}._domainkey.${domain}`;
      records.push({ id: `dkim_${name.replace(/\./g, "_")}`, name, type, ttl: TTL, value, comment: `dkimctl: DKIM selector ${selector} of ${domain}` });
    }
  }
  writeFileSync(configFile, `${yaml.join("\n")}\n`);
  lock.write(lockFile);

  const floor: FloorInput = {
    zones: [...zones].sort(byName).map((z) => ({
      stack: stackNameOf(z.name),
      name: z.name,
      provider: z.provider,
      ...(z.zoneId ? { zoneId: z.zoneId } : {}),
      records: byZone.get(z.name)!.sort(byName),
    })),
  };
  writeFileSync(floorFile, JSON.stringify(floor));
  return { size, dir, configFile, lockFile, floorFile, zones: zones.length, records: size * (2 + generated.length), keys: size * generated.length };
}

/** The key zone of the signing-provider fixture (Route53, looked up by name). */
export const KEY_ZONE = "dkim.esp.example";

/**
 * Signing-provider mode at a provider's size: `customers` customers in a
 * list file, each with two key slots whose RSA-2048 keys are in the lock
 * (one public key repeated: the size of a real lock), published in the key
 * zone over its stacks of bounded size. floor.json holds the same stacks and
 * records, computed here with dkimctl's own functions (generation is not
 * timed), so bench/floor.ts builds them with one binding construct per record.
 */
export function generateCustomers(dir: string, customers: number): GeneratedConfig {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, "domains.yaml");
  const lockFile = join(dir, "dkim.lock.yaml");
  const floorFile = join(dir, "floor.json");
  const names = Array.from({ length: customers }, (_, i) => `customer${String(i).padStart(6, "0")}.example`);
  // 20,000 records are over Route53's default 10,000 per zone: the fixture's provider has had AWS raise it (recordQuota).
  const zone = `  ${KEY_ZONE}: { provider: route53, recordQuota: ${2 * customers + 1000} }`;
  const yaml = ["# Generated by bench/generate.ts", "version: 1", "zones:", zone, "customers:", `  ${KEY_ZONE}:`];
  writeFileSync(configFile, `${[...yaml, "    list: customers.txt"].join("\n")}\n`);
  writeFileSync(join(dir, "customers.txt"), names.map((n) => `${n}\n`).join(""));
  const publicKey = RSA_PUBLIC_KEY;
  const entry = { algorithm: "rsa-2048", publicKey, fingerprint: fingerprint(publicKey), created: CREATED, generation: 1 } as const;
  const lock = new Lock();
  for (const name of names) for (const slot of ["esp1", "esp2"]) lock.setSlotKey(name, slot, entry);
  lock.write(lockFile);

  // The stacks and records as the app makes them; values in Route53's form, ids as the app names them.
  const config = loadConfig(configFile);
  const stacks = [...stackContents(config, Lock.read(lockFile)).values()].sort((a, b) => (a.stack < b.stack ? -1 : a.stack > b.stack ? 1 : 0));
  const floor: FloorInput = {
    zones: stacks.map((s) => ({
      stack: s.stack,
      name: s.zone.name,
      provider: "route53",
      records: s.records.map((r) => ({ id: logicalId(r), name: r.name, type: r.type, ttl: r.ttl, value: route53.txt.write(r.strings), comment: "" })),
    })),
  };
  writeFileSync(floorFile, JSON.stringify(floor));
  const records = stacks.reduce((n, s) => n + s.records.length, 0);
  return { size: customers, dir, configFile, lockFile, floorFile, zones: stacks.length, records, keys: 2 * customers };
}
