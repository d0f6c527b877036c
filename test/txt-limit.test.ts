/**
 * A zone whose provider holds shorter TXT values than dkimctl can publish
 * (DigitalOcean: 504 bytes, src/providers/digitalocean.ts) refuses, at
 * validate and so in every command, each selector, rotation policy and
 * DMARC record that would not fit, at its place in domains.yaml and with
 * what to do; `keys` and `rotate` make no key for it.
 */
import { existsSync } from "node:fs";
import { generateKeyPairAsync, KEY_ALGORITHMS, type KeyAlgorithm, PUBLIC_KEY_CHARS } from "../src/dkim/keys";
import { dkimctl, tempProject } from "./support/project";

/** The p= of a key of each algorithm, made once. */
const made = new Map<KeyAlgorithm, string>();
beforeAll(async () => {
  for (const [a, key] of await Promise.all(KEY_ALGORITHMS.map(async (a) => [a, (await generateKeyPairAsync(a)).publicKey] as const))) made.set(a, key);
});

test("every key of an algorithm has a p= of the length that measures its record before it exists", () => {
  expect(Object.fromEntries([...made].map(([a, key]) => [a, key.length]))).toEqual(PUBLIC_KEY_CHARS);
});

/** A DigitalOcean zone with a record of each kind that is too long, and ones that fit. */
const yaml = (provider: string, rsa4096: string) => `version: 1
defaults:
  key: rsa-3072
zones:
  example.com: { provider: ${provider} }
domains:
  example.com:
    dmarc: { policy: reject, rua: [${Array.from({ length: 12 }, (_, i) => `mailto:dmarc-reports-${i}@reports-${i}.example.net`).join(", ")}] }
    selectors:
      big: { key: rsa-4096 }
      bydefault: {}
      given: { txt: "v=DKIM1; k=rsa; p=${rsa4096}" }
      noted: { key: rsa-2048, note: "${"n".repeat(100)}" }
      fits: { key: rsa-2048 }
      small: { key: ed25519, note: "${"n".repeat(100)}" }
  rotated.example.com:
    rotation: { keys: [ed25519, rsa-4096] }
`;

test("validate refuses every record a DigitalOcean zone cannot hold, each at its place, with what to do; keys and rotate make no key", async () => {
  const publicKey = made.get("rsa-4096")!;
  const p = tempProject(yaml("digitalocean", publicKey));
  const holds = "a TXT record in a digitalocean zone holds at most 504 bytes";
  const r = await dkimctl("validate", "--config", p.config);
  expect(r.code).toBe(1);
  const at = (line: number, col: number, path: string) => `${p.config}:${line}:${col}: ${path}: `;
  for (const problem of [
    `${at(8, 12, "domains/example.com/dmarc")}the DMARC record is 567 bytes, but ${holds}`,
    `${at(10, 19, "domains/example.com/selectors/big/key")}the DKIM key record of an rsa-4096 key is 754 bytes, but ${holds}`,
    `${at(11, 18, "domains/example.com/selectors/bydefault")}the DKIM key record of an rsa-3072 (defaults.key) key is 582 bytes, but ${holds}`,
    `${at(12, 21, "domains/example.com/selectors/given/txt")}the txt record is 754 bytes, but ${holds}`,
    `${at(13, 21, "domains/example.com/selectors/noted/key")}the DKIM key record of an rsa-2048 key is 514 bytes, but ${holds}`,
    `${at(17, 23, "domains/rotated.example.com/rotation/keys")}rotation keys: rsa-4096 makes a DKIM key record of 754 bytes, but ${holds}`,
  ])
    expect(r.err).toContain(problem);
  // With what to do: the algorithms that fit, a shorter note, fewer report URIs, or delegation.
  expect(r.err).toContain("selectors/big/key: the DKIM key record of an rsa-4096 key is 754 bytes, but a TXT record in a digitalocean zone holds");
  expect(r.err.match(/: use key: rsa-2048 or ed25519\n/g)).toHaveLength(2);
  expect(r.err).toContain("rotation/keys: rotation keys: rsa-4096 makes a DKIM key record of 754 bytes, but a TXT record in a digitalocean zone");
  expect(r.err).toContain("octets of quoted TXT data, as DNSControl measured it; DigitalOcean does not document it): shorten or remove its note\n");
  expect(r.err).toContain(": ask the signing provider for an rsa-2048 or ed25519 key, or delegate the selector to it with cname\n");
  expect(r.err).toContain(": give fewer report URIs (rua, ruf)\n");
  expect(r.err).toMatch(/\n6 problems found; nothing was changed\.\n$/);
  expect(r.err).not.toContain("selectors/fits");
  expect(r.err).not.toContain("selectors/small");

  for (const command of [["keys"], ["rotate", "--force"]]) {
    const refused = await dkimctl(...command, "--config", p.config);
    expect({ command, code: refused.code, err: refused.err }).toEqual({ command, code: 1, err: r.err });
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(p.store)).toBe(false);
  }

  // The limit is the provider's: the same records are published in a Route53 zone.
  const route53 = tempProject(yaml("route53", publicKey));
  expect(await dkimctl("validate", "--config", route53.config)).toMatchObject({ code: 1, err: expect.not.stringContaining("holds at most") });
});

test("customers' keys in a DigitalOcean key zone: a key its records cannot hold is refused at the key zone's key (or the zone, for defaults.key)", async () => {
  const config = (key: string) => `version: 1
defaults: { key: rsa-3072 }
zones:
  dkim.esp.example: { provider: digitalocean }
  keys.esp.example: { provider: digitalocean }
  r53.esp.example: { provider: route53 }
customers:
  dkim.esp.example:
    slots: [esp1, esp2]
${key}    domains:
      shop.example: {}
  keys.esp.example:
    key: ed25519
    domains:
      store.example: {}
  r53.esp.example:
    key: rsa-4096
    domains:
      mall.example: {}
`;
  const holds = "a TXT record in a digitalocean zone holds at most 504 bytes";
  const own = tempProject(config("    key: rsa-4096\n"));
  const r = await dkimctl("validate", "--config", own.config);
  expect({ code: r.code, problems: r.err.split("\n").filter((l) => l.startsWith(own.config)) }).toEqual({
    code: 1,
    problems: [
      `${own.config}:10:10: customers/dkim.esp.example/key: the DKIM key record of an rsa-4096 key is 754 bytes, but ${holds} ` +
        "(DigitalOcean's API takes 512 octets of quoted TXT data, as DNSControl measured it; DigitalOcean does not document it): use key: rsa-2048 or ed25519",
    ],
  });
  const keys = await dkimctl("keys", "--config", own.config);
  expect({ code: keys.code, lock: existsSync(own.lock), store: existsSync(own.store) }).toEqual({ code: 1, lock: false, store: false });
  const byDefault = tempProject(config(""));
  expect((await dkimctl("validate", "--config", byDefault.config)).err).toContain(
    `${byDefault.config}:9:5: customers/dkim.esp.example: the DKIM key record of an rsa-3072 (defaults.key) key is 582 bytes, but ${holds}`,
  );
});
