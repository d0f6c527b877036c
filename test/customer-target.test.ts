/**
 * Signing-provider mode's target names: golden examples pin the scheme (a
 * change here changes every customer's CNAME), and a property test over
 * 10,000 random customer names shows it injective and within DNS limits.
 */
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { checkHostName, MAX_LABEL_OCTETS, MAX_NAME_OCTETS } from "../src/dns/host-name";
import { customerHash, hashedTargetLength, slotTarget, TARGET_HASH_DIGITS } from "../src/dkim/target";

const ZONE = "dkim.esp.example";

describe("golden examples: the scheme as documented, stable across versions", () => {
  const LONGEST = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
  test.each([
    ["shop.example", "esp1", ZONE, "esp1.shop.example.dkim.esp.example"],
    ["shop.example", "esp2", ZONE, "esp2.shop.example.dkim.esp.example"],
    ["news.shop.example", "esp1", ZONE, "esp1.news.shop.example.dkim.esp.example"],
    // Microsoft's scheme maps these two to one name; here they stay apart.
    ["x-y.example.com", "selector1", "keys.example.net", "selector1.x-y.example.com.keys.example.net"],
    ["x.y-example.com", "selector1", "keys.example.net", "selector1.x.y-example.com.keys.example.net"],
    ["xn--bcher-kva.example", "esp1", ZONE, "esp1.xn--bcher-kva.example.dkim.esp.example"],
  ])("%s slot %s in %s -> %s", (customer, slot, zone, target) => {
    expect(slotTarget(customer, slot, zone)).toBe(target);
  });

  test("a 253-octet customer: its name hashed (the first 40 hex digits of its SHA-256)", () => {
    expect(LONGEST).toHaveLength(MAX_NAME_OCTETS);
    expect(slotTarget(LONGEST, "esp1", ZONE)).toBe("esp1.5fcf065db59c137eba6d13fbb5f4627be76b0e64.dkim.esp.example");
    expect(slotTarget(LONGEST, "esp2", ZONE)).toBe("esp2.5fcf065db59c137eba6d13fbb5f4627be76b0e64.dkim.esp.example");
  });

  test("a target is written out exactly while it fits in 253 octets", () => {
    // `esp1.` + customer + `.dkim.esp.example`: 22 octets besides the customer.
    const fits = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(39)}`; // 231
    const over = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(40)}`; // 232
    expect(slotTarget(fits, "esp1", ZONE)).toBe(`esp1.${fits}.${ZONE}`);
    expect(slotTarget(fits, "esp1", ZONE)).toHaveLength(MAX_NAME_OCTETS);
    expect(slotTarget(over, "esp1", ZONE)).toBe(`esp1.${customerHash(over)}.${ZONE}`);
  });

  test("the hash is what `printf %s NAME | sha256sum | cut -c1-40` prints (the documented way to compute it)", () => {
    const r = spawnSync("sh", ["-c", `printf %s "$1" | sha256sum | cut -c1-${TARGET_HASH_DIGITS}`, "sh", LONGEST], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe(customerHash(LONGEST));
    expect(customerHash(LONGEST)).toBe("5fcf065db59c137eba6d13fbb5f4627be76b0e64");
  });

  test("hashedTargetLength is the length of the hashed form", () => {
    expect(hashedTargetLength("esp1", ZONE)).toBe(`esp1.${"0".repeat(TARGET_HASH_DIGITS)}.${ZONE}`.length);
  });
});

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
/** A letter-digit-hyphen label of 1..63 octets (hyphens inside only). */
const ldhLabel = fc
  .tuple(fc.integer({ min: 1, max: MAX_LABEL_OCTETS }), fc.array(fc.integer({ min: 0, max: 40 }), { minLength: MAX_LABEL_OCTETS, maxLength: MAX_LABEL_OCTETS }))
  .map(([n, xs]) =>
    xs
      .slice(0, n)
      .map((x, i) => (x >= ALNUM.length && i > 0 && i < n - 1 ? "-" : ALNUM[x % ALNUM.length]))
      .join(""),
  );
/** A label of a few non-ASCII letters (and some ASCII), which becomes an A-label. */
const idnLabel = fc
  .tuple(fc.array(fc.constantFrom(..."äöüßçéñøåłżкдж漢字日本ελληνικά"), { minLength: 1, maxLength: 12 }), fc.constantFrom("", "x", "shop"))
  .map(([chars, ascii]) => `${ascii}${chars.join("")}`);
const label = fc.oneof({ weight: 5, arbitrary: ldhLabel }, { weight: 2, arbitrary: idnLabel });
/** The name domains.yaml publishes for `labels`, or undefined when they make no valid name (filtered out). */
const published = (labels: string[]) => {
  const n = checkHostName(labels.join("."), "publish");
  return n.ok ? n.value : undefined;
};
const valid = (n: string | undefined): n is string => n !== undefined;
const ordinaryName = fc.array(label, { minLength: 2, maxLength: 6 }).map(published).filter(valid);
/** Names of 200..253 octets in labels of up to 63, ending in a letter. */
const longName = fc
  .tuple(fc.integer({ min: 200, max: MAX_NAME_OCTETS }), fc.array(fc.constantFrom(...ALNUM), { minLength: 64, maxLength: 64 }))
  .map(([length, chars]) => {
    const text = Array.from({ length }, (_, k) => chars[k % chars.length]).join("");
    // A dot every 64th octet (labels of 63), none first or last.
    const dotted = [...text].map((c, k) => ((k + 1) % 64 === 0 && k < length - 1 ? "." : c)).join("");
    return published([`${dotted.slice(0, -1)}z`]);
  })
  .filter(valid);
/** Two names that differ only where one has a dot and the other a hyphen. */
const dotHyphenPair = fc
  .tuple(
    fc.array(
      ldhLabel.map((l) => l.replace(/-/g, "a")),
      { minLength: 3, maxLength: 5 },
    ),
    fc.nat(),
  )
  .map(([labels, k]) => {
    const i = k % (labels.length - 2);
    const merged = [...labels.slice(0, i), `${labels[i]}-${labels[i + 1]}`, ...labels.slice(i + 2)];
    return [published(labels), published(merged)].filter(valid);
  });

const SLOTS = ["esp1", "esp2", "selector-long-name-x"];
const KEY_ZONES = [ZONE, `${"k".repeat(60)}.${"z".repeat(40)}.provider.example`];

test("property: over 10,000 random customer names, targets are injective and within DNS limits", () => {
  const owner = new Map<string, string>();
  const seen = new Set<string>();
  let hashed = 0;
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new Error(what);
  };
  fc.assert(
    fc.property(
      fc.oneof({ weight: 6, arbitrary: ordinaryName.map((n) => [n]) }, { weight: 2, arbitrary: longName.map((n) => [n]) }, dotHyphenPair),
      (names) => {
        for (const customer of names) {
          seen.add(customer);
          for (const keyZone of KEY_ZONES)
            for (const slot of SLOTS) {
              const target = slotTarget(customer, slot, keyZone);
              const who = `${customer} ${slot} ${keyZone}`;
              // Injective over every name so far: no other (customer, slot, key zone) has this target.
              const other = owner.get(target);
              check(other === undefined || other === who, `${who} and ${other} share ${target}`);
              owner.set(target, who);
              // Within limits, and a host name a CNAME can point to.
              check(target.length <= MAX_NAME_OCTETS, `${target} is ${target.length} octets`);
              check(
                target.split(".").every((l) => l.length <= MAX_LABEL_OCTETS),
                `${target} has a label over 63 octets`,
              );
              const read = checkHostName(target, "publish");
              check(read.ok && read.value === target, `${target} is not a host name we can publish under`);
              check(slotTarget(customer, slot, keyZone) === target, `${who}: not deterministic`);
              if (!target.startsWith(`${slot}.${customer}.`)) hashed++;
            }
        }
        if (names.length === 2) check(slotTarget(names[0], "esp1", ZONE) !== slotTarget(names[1], "esp1", ZONE), `${names.join(" and ")} share a target`);
      },
    ),
    { numRuns: 10_000, seed: 20260118 },
  );
  expect(seen.size).toBeGreaterThanOrEqual(10_000);
  expect([...seen].some((c) => c.length === MAX_NAME_OCTETS)).toBe(true);
  expect([...seen].some((c) => c.includes("xn--"))).toBe(true);
  expect(hashed).toBeGreaterThan(1000);
});
