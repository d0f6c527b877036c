/**
 * The lock read without YAML (src/keys/lock-text.ts) makes exactly the data
 * the `yaml` package makes of the lock's text, or declines it: over every lock
 * the writer (Lock.toString) makes, with names and values that YAML reads as
 * something else, and over those texts damaged one edit at a time. A lock it
 * takes still reports every problem at its line and column.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { yamlData } from "./support/yaml-data";
import { fastYaml } from "../src/config/fast-yaml";
import type { InputError } from "../src/config/problems";
import { fingerprint, KEY_ALGORITHMS } from "../src/dkim/keys";
import { Lock, type LockEntry } from "../src/keys/lock";
import { readLockText } from "../src/keys/lock-text";
import { STATES } from "../src/lifecycle";

/** The lock reader either declines `text` or makes what `yaml` makes of it. */
function agrees(text: string): boolean {
  const read = readLockText(text);
  if (read === undefined) return false;
  expect({ text, data: yamlData(text)?.data }).toEqual({ text, data: read.data });
  return true;
}

// Names and values that YAML reads as something else unless quoted, beside ordinary ones.
const TRICKY = ["true", "null", "~", "1", "1e5", "0x1f", "0o7", ".inf", ".nan", "2026", "-1", "+1", "1.5", "yes", "a:b", "a #b", "-", "=", "@x", "'q'"];
// Not `xn--`: an A-label must be valid Punycode, which Lock.parse checks (IDNA).
const ldh = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/).filter((l) => !l.startsWith("xn--"));
const anyName = fc.oneof({ weight: 4, arbitrary: ldh }, { weight: 1, arbitrary: fc.constantFrom(...TRICKY) });
const domain = fc.array(anyName, { minLength: 2, maxLength: 3 }).map((l) => l.join("."));
const iso = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.\d{3}Z$/, "Z"));
const publicKey = fc.uint8Array({ minLength: 32, maxLength: 300 }).map((b) => Buffer.from(b).toString("base64"));

const entry: fc.Arbitrary<LockEntry> = fc
  .record({
    algorithm: fc.constantFrom(...KEY_ALGORITHMS),
    publicKey,
    created: iso,
    origin: fc.option(fc.constantFrom("generated", "imported") as fc.Arbitrary<"generated" | "imported">, { nil: undefined }),
    state: fc.option(fc.constantFrom(...STATES), { nil: undefined }),
    activated: fc.option(iso, { nil: undefined }),
    retired: fc.option(iso, { nil: undefined }),
  })
  .map(({ origin, state, activated, retired, ...e }) => ({
    ...e,
    fingerprint: fingerprint(e.publicKey),
    ...(origin ? { origin } : {}),
    ...(state ? { state } : {}),
    ...(activated ? { activated } : {}),
    ...(retired ? { retired } : {}),
  }));

/** An entry as Lock.parse gives it back: no lifecycle or pending, and `origin` only when imported. */
const sound: fc.Arbitrary<LockEntry> = entry.map(({ state, activated, retired, origin, ...e }) => ({
  ...e,
  ...(origin === "imported" ? { origin } : {}),
  ...(state === "pending" ? { state } : {}),
}));

const lock = fc
  .record({
    keys: fc.array(fc.tuple(domain, anyName, entry), { maxLength: 6 }),
    slots: fc.array(fc.tuple(domain, anyName, entry, fc.integer({ min: 1, max: 99 }), fc.option(fc.integer({ min: 0, max: 86400 }), { nil: undefined })), {
      maxLength: 4,
    }),
  })
  .map(({ keys, slots }) => {
    const l = new Lock();
    for (const [d, s, e] of keys) l.set(d, s, e);
    for (const [c, s, e, generation, ttl] of slots) l.setSlotKey(c, s, { ...e, generation, ...(ttl !== undefined ? { ttl } : {}) });
    return l;
  });

describe("the lock as dkimctl writes it", () => {
  test("is read to the data yaml makes of it, or left to the YAML read", () => {
    let taken = 0;
    fc.assert(
      fc.property(lock, (l) => {
        if (agrees(l.toString())) taken++;
      }),
      { numRuns: 1500 },
    );
    // Most generated locks are taken: the reader is not one that declines everything.
    expect(taken).toBeGreaterThan(300);
  });

  test("every lock of ordinary names is taken, and reads back to the same keys", () => {
    const ordinary = fc
      .array(
        fc.tuple(
          fc.array(ldh, { minLength: 2, maxLength: 3 }).map((l) => l.join(".")),
          ldh,
          sound,
        ),
        { minLength: 1, maxLength: 8 },
      )
      .map((keys) => {
        const l = new Lock();
        for (const [d, s, e] of keys) l.set(d, s, e);
        return l;
      });
    fc.assert(
      fc.property(ordinary, (l) => {
        const text = l.toString();
        expect(readLockText(text)).toEqual(fastYaml(text));
        expect(Lock.parse("dkim.lock.yaml", text).toString()).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  test("an empty lock, and a lock of customers only", () => {
    expect(agrees(new Lock().toString())).toBe(true);
    const l = new Lock();
    l.setSlotKey("customer.example", "esp1", {
      algorithm: "ed25519",
      publicKey: "AAAA",
      fingerprint: fingerprint("AAAA"),
      created: "2026-01-01T00:00:00Z",
      generation: 1,
    });
    expect(l.toString()).toContain("keys: {}\ncustomers:\n");
    expect(agrees(l.toString())).toBe(true);
  });
});

describe("a damaged lock", () => {
  const INSERTS = [
    " ",
    "  ",
    "\t",
    "\r",
    "\n",
    ":",
    ": ",
    "#",
    " #",
    "'",
    '"',
    "{",
    "}",
    "[",
    "]",
    "-",
    "- ",
    "!",
    "&",
    "*",
    "?",
    "|",
    ">",
    "%",
    "@",
    ",",
    "0",
    "a",
    ".",
    "~",
    "=",
    "+",
    "/",
  ];
  // `near`: the edit is at one of the places where the reader decides (a line's start or end, around `:`), else anywhere.
  const edit = fc.record({
    kind: fc.constantFrom("insert" as const, "delete" as const, "line" as const),
    at: fc.nat(),
    near: fc.boolean(),
    what: fc.constantFrom(...INSERTS),
  });
  const decisive = (text: string) => [...text.matchAll(/^ *|: ?|:$|$/gm)].flatMap((m) => [m.index, m.index + m[0].length]);
  const apply = (text: string, e: { kind: "insert" | "delete" | "line"; at: number; near: boolean; what: string }) => {
    const places = decisive(text);
    const at = e.near ? places[e.at % places.length] : e.at % (text.length + 1);
    if (e.kind === "insert") return text.slice(0, at) + e.what + text.slice(at);
    if (e.kind === "delete") return text.slice(0, at) + text.slice(at + 1);
    // A line written twice, as a bad merge leaves it.
    const lines = text.split("\n");
    const i = e.at % lines.length;
    return [...lines.slice(0, i + 1), ...lines.slice(i)].join("\n");
  };

  test("is read to what yaml makes of it, or left to the YAML read", () => {
    fc.assert(
      fc.property(lock, fc.array(edit, { minLength: 1, maxLength: 3 }), (l, edits) => {
        agrees(edits.reduce(apply, l.toString()));
      }),
      { numRuns: 3000 },
    );
  });

  test("every single edit of a small lock, at every place: read as yaml reads it, or left to it", () => {
    const l = new Lock();
    l.set("example.com", "s1", { algorithm: "ed25519", publicKey: "AAAA", fingerprint: fingerprint("AAAA"), created: "2026-01-01T00:00:00Z" });
    l.setSlotKey("customer.example", "esp1", { algorithm: "ed25519", publicKey: "AAAA", fingerprint: "x", created: "2026-01-01T00:00:00Z", generation: 1 });
    const text = l.toString().replace(/sha256:[0-9a-f]{64}/, "sha256:00");
    let taken = 0;
    for (let at = 0; at <= text.length; at++) {
      for (const what of INSERTS) if (agrees(text.slice(0, at) + what + text.slice(at))) taken++;
      if (agrees(text.slice(0, at) + text.slice(at + 1))) taken++;
    }
    expect(taken).toBeGreaterThan(100);
  });

  test("text in other forms is left to the YAML read", () => {
    const l = new Lock();
    l.set("example.com", "s1", { algorithm: "ed25519", publicKey: "AAAA", fingerprint: fingerprint("AAAA"), created: "2026-01-01T00:00:00Z" });
    const text = l.toString();
    expect(readLockText(text)).toBeDefined();
    for (const other of [
      text.replace(/\n/g, "\r\n"),
      text.replace(/\n {2}/g, "\n   "),
      `${text}# a comment at the end\n`,
      text.replace("keys:\n", "keys:\n\n"),
      text.replace("s1:", '"s1":'),
      text.replace("s1:", "s1: {}\n    s2:"),
      text.replace("version: 1\n", ""),
      text.replace("example.com:", "example.com:\n  example.com:"),
      `${text}other: 1\n`,
      "",
    ])
      expect(readLockText(other)).toBeUndefined();
  });

  test("a problem in a lock the reader took is reported at its line and column", () => {
    const file = join(mkdtempSync(join(tmpdir(), "lock-text-")), "dkim.lock.yaml");
    const l = new Lock();
    l.set("a.example", "s1", { algorithm: "ed25519", publicKey: "AAAA", fingerprint: fingerprint("AAAA"), created: "2026-01-01T00:00:00Z" });
    l.set("b.example", "s1", { algorithm: "ed25519", publicKey: "AAAA", fingerprint: fingerprint("AAAA"), created: "2026-01-01T00:00:00Z" });
    writeFileSync(
      file,
      l
        .toString()
        .replace(/fingerprint: sha256:[0-9a-f]+\n {6}created: 2026-01-01T00:00:00Z\n$/, "fingerprint: sha256:00\n      created: 2026-13-01T00:00:00Z\n"),
    );
    const text = readFileSync(file, "utf8");
    expect(readLockText(text)).toBeDefined();
    let problems: readonly { line: number; col: number; path: string }[] = [];
    try {
      Lock.read(file);
    } catch (e) {
      problems = (e as InputError).problems;
    }
    expect(problems.map((p) => `${p.line}:${p.col} ${p.path}`)).toEqual(["14:20 keys/b.example/s1/fingerprint", "15:16 keys/b.example/s1/created"]);
  });
});
