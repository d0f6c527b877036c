/** TXT splitting and record values, as properties across every key type. */
import { createPublicKey } from "node:crypto";
import fc from "fast-check";
import { parseConfig } from "../src/config/load";
import { fingerprint, generateKeyPair, KEY_ALGORITHMS, keyType } from "../src/dkim/keys";
import { keyRecordValue, parseKeyRecord } from "../src/dkim/record";
import { joinTxt, MAX_STRING_BYTES, parseQuotedTxt, quoteTxt, splitTxt } from "../src/dkim/txt";
import { Lock } from "../src/keys/lock";
import { desiredRecords } from "../src/records";
import { PROVIDERS } from "../src/providers";
import type { DnsProvider } from "../src/providers/provider";

const PAIRS = Object.fromEntries(KEY_ALGORITHMS.map((a) => [a, generateKeyPair(a)]));

describe("splitTxt", () => {
  test("every string is at most 255 bytes and the strings join back to the value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 3000 }), (value) => {
        const strings = splitTxt(value);
        expect(strings.every((s) => Buffer.byteLength(s) <= MAX_STRING_BYTES)).toBe(true);
        expect(joinTxt(strings)).toBe(value);
        // Greedy: every string but the last is as full as a character boundary allows.
        for (const s of strings.slice(0, -1)) expect(Buffer.byteLength(s)).toBeGreaterThan(MAX_STRING_BYTES - 4);
      }),
      { numRuns: 300 },
    );
  });

  test("quoting and parsing round-trip, escapes included", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: fc.constantFrom("a", " ", '"', "\\", ";", "=", "Z"), maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        (strings) => {
          expect(parseQuotedTxt(quoteTxt(strings))).toEqual(strings);
        },
      ),
    );
  });

  test("ASCII, split as characters: every string but the last exactly `max` long; other text, split as bytes, agrees", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: 1200 }), fc.integer({ min: 4, max: 300 }), fc.string({ maxLength: 3 }), (value, max, tail) => {
        const strings = splitTxt(value, max);
        expect(joinTxt(strings)).toBe(value);
        for (const s of strings.slice(0, -1)) expect(s.length).toBe(max);
        // The same text with a character of two or more bytes at the end is split the byte-wise way: the same strings before it.
        const wide = splitTxt(`${value}é${tail}`, max);
        expect(wide.slice(0, Math.floor(value.length / max))).toEqual(strings.slice(0, Math.floor(value.length / max)));
      }),
      { numRuns: 300 },
    );
  });

  test("exact boundaries: 255 bytes is one string, 256 is two", () => {
    expect(splitTxt("a".repeat(255))).toEqual(["a".repeat(255)]);
    expect(splitTxt("a".repeat(256))).toEqual(["a".repeat(255), "a"]);
    expect(splitTxt("")).toEqual([""]);
  });
});

describe("key record values", () => {
  test.each(KEY_ALGORITHMS)("%s: value format, and parsing it back gives the same key", (algorithm) => {
    const pair = PAIRS[algorithm];
    const value = keyRecordValue(keyType(algorithm), pair.publicKey);
    expect(value).toBe(`v=DKIM1; k=${keyType(algorithm)}; p=${pair.publicKey}`);
    const parsed = parseKeyRecord(value);
    expect(parsed).toMatchObject({ ok: true, keyType: keyType(algorithm), publicKey: pair.publicKey });
    if (algorithm === "ed25519") expect(Buffer.from(pair.publicKey, "base64")).toHaveLength(32);
    else {
      const key = createPublicKey({ key: Buffer.from(pair.publicKey, "base64"), format: "der", type: "spki" });
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(Number(algorithm.slice(4)));
    }
  });

  test("testing and note tags sit between k= and p=", () => {
    expect(keyRecordValue("rsa", "QUJD", { testing: true, note: "hi there" })).toBe("v=DKIM1; k=rsa; t=y; n=hi there; p=QUJD");
  });
});

describe("desired records across key types and providers", () => {
  const algorithms = fc.constantFrom(...KEY_ALGORITHMS);
  test("each provider's form carries exactly the strings, each at most 255 bytes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ algorithm: algorithms, testing: fc.boolean(), provider: fc.constantFrom("route53", "cloudflare") }), {
          minLength: 1,
          maxLength: 5,
        }),
        (specs) => {
          const lines = specs.map((s, i) => `  d${i}.${s.provider}.test:\n    selectors:\n      s${i}: { key: ${s.algorithm}, testing: ${s.testing} }`);
          const config = parseConfig(
            "d.yaml",
            `version: 1\nzones:\n  route53.test: { provider: route53 }\n  cloudflare.test: { provider: cloudflare }\ndomains:\n${lines.join("\n")}\n`,
          );
          const lock = new Lock();
          specs.forEach((s, i) => {
            const pair = PAIRS[s.algorithm];
            lock.set(`d${i}.${s.provider}.test`, `s${i}`, {
              algorithm: s.algorithm,
              publicKey: pair.publicKey,
              fingerprint: fingerprint(pair.publicKey),
              created: "2026-01-01T00:00:00Z",
            });
          });
          const records = desiredRecords(config, lock);
          expect(records).toHaveLength(specs.length);
          for (const r of records) {
            const i = Number(r.selector!.slice(1));
            const spec = specs[i];
            expect(r.name).toBe(`s${i}._domainkey.d${i}.${spec.provider}.test`);
            expect(r.value).toBe(keyRecordValue(keyType(spec.algorithm), PAIRS[spec.algorithm].publicKey, { testing: spec.testing }));
            expect(r.strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
            expect(joinTxt(r.strings)).toBe(r.value);
            // Route53: the provider wraps the one value in quotes, so "a""b" is two strings.
            expect(parseQuotedTxt(`"${PROVIDERS.route53.txt.write(r.strings)}"`)).toEqual(r.strings);
            // Cloudflare: content is the quoted strings as published.
            expect(parseQuotedTxt(PROVIDERS.cloudflare.txt.write(r.strings))).toEqual(r.strings);
            // Every provider reads back what it writes (provider.ts: the strings, or the one value they join to where the provider
            // holds the value whole and cuts it itself, as Azure and DigitalOcean do): no drift.
            for (const p of Object.values(PROVIDERS) as DnsProvider[]) {
              const back = p.txt.read(p.txt.write(r.strings));
              expect({ provider: p.name, back }).toEqual({ provider: p.name, back: back.length === 1 ? [r.value] : r.strings });
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  test("RSA 1024 takes one string, 2048 two, 3072 and 4096 three, Ed25519 one", () => {
    const count = (a: (typeof KEY_ALGORITHMS)[number]) => splitTxt(keyRecordValue(keyType(a), PAIRS[a].publicKey)).length;
    expect([count("rsa-1024"), count("rsa-2048"), count("rsa-3072"), count("rsa-4096"), count("ed25519")]).toEqual([1, 2, 3, 3, 1]);
  });

  test("a generated selector missing from the lock names the selector and the fix", () => {
    const config = parseConfig(
      "dir/domains.yaml",
      `version: 1\nzones: { example.com: { provider: route53 } }\ndomains:\n  example.com:\n    selectors:\n      s1: {}\n`,
    );
    expect(() => desiredRecords(config, new Lock())).toThrow(
      "dir/domains.yaml:6:7: domains/example.com/selectors/s1: has no key in dir/dkim.lock.yaml: run 'npx dkimctl keys' and commit dir/dkim.lock.yaml",
    );
  });

  test("a lock entry of another algorithm is refused: a selector never gets a second key", () => {
    const config = parseConfig(
      "domains.yaml",
      `version: 1\nzones: { example.com: { provider: route53 } }\ndomains:\n  example.com:\n    selectors:\n      s1: { key: ed25519 }\n`,
    );
    const lock = new Lock();
    const pair = PAIRS["rsa-2048"];
    lock.set("example.com", "s1", {
      algorithm: "rsa-2048",
      publicKey: pair.publicKey,
      fingerprint: fingerprint(pair.publicKey),
      created: "2026-01-01T00:00:00Z",
    });
    expect(() => desiredRecords(config, lock)).toThrow(
      /has a rsa-2048 key in dkim.lock.yaml but domains.yaml asks for ed25519: a selector never gets a second key/,
    );
  });
});
