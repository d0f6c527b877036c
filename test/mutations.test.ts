/**
 * Property: whatever is done to domains.yaml, every command either succeeds
 * or exits 1 with messages that name FILE:LINE:COL (or say plainly what is
 * wrong), never a stack trace or a JavaScript error; a run that fails leaves
 * the project (lock, key store, cdktf.out) byte-identical; and no output of
 * any run holds private key material. fast-check draws every mutation, so a
 * failure replays from the seed it prints.
 */
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { dkimctl, tempDir, tempProject } from "./support/project";
import { findSecrets } from "./support/secrets";
import { synthInProcess } from "./support/synth";
import { snapshotTree } from "./support/tree";

const BASE = `version: 1
defaults:
  key: ed25519
  rotation: { every: 30d, publishAhead: 2d, keys: [ed25519] }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      s1: {}
      r1: { key: rsa-1024, note: hello, testing: true }
      c1: { cname: s1.domainkey.u1.wl.sendgrid.net }
  mail.example.com: {}
  example.org:
    selectors:
      e1: { ttl: 300 }
`;

type Doc = Record<string, unknown>;
type Path = (string | number)[];

let p: ReturnType<typeof tempProject>;
let pems: string[];
beforeAll(async () => {
  p = tempProject(BASE);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  expect((await dkimctl("rotate", "--config", p.config, "--now", "2026-01-01T00:00:00Z")).code).toBe(0);
  pems = readdirSync(p.store, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".pem"))
    .map((f) => readFileSync(join(p.store, f), "utf8"));
  expect(pems.length).toBe(4); // never print the keys themselves
});

/** Every path to a value in the document. */
function paths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== "object") return [at];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...at, k]))];
}

function edit(doc: Doc, path: Path, f: (parent: Record<string | number, unknown>, key: string | number) => void): Doc {
  const copy = structuredClone(doc);
  let node: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  if (path.length) f(node, path[path.length - 1]);
  return copy;
}

/** Values a hostile or careless user puts in a field. */
const value = (pem: string) =>
  fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      "1.5",
      "123",
      "bücher.example",
      "p\u0430ypal.example.com",
      "1.2.3.4",
      "*",
      "s_1",
      "x".repeat(300),
      "a|b`c",
      "v=DKIM1; k=rsa; p=abc",
      "2026-02-30T00:00:00Z",
    ),
    fc.constant(pem),
    fc.constant(pem.split("\n").slice(1, -2).join("")),
    fc.dictionary(fc.constantFrom("key", "txt", "cname", "ttl", "note", "selectors", "provider", "x"), fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), {
      maxKeys: 3,
    }),
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  );

/** A change to domains.yaml: to its data, or to its text. */
const mutation = (doc: Doc, text: string, pem: string) => {
  const at = fc.constantFrom(...paths(doc));
  return fc.oneof(
    fc.tuple(at, value(pem)).map(([path, v]) => stringify(edit(doc, path, (n, k) => (n[k] = v)))),
    at.map((path) => stringify(edit(doc, path, (n, k) => (Array.isArray(n) ? n.splice(Number(k), 1) : delete n[k])))),
    fc
      .tuple(at, fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("S1", "1.5", "xn--bcher-kva.example", "e202601a", "mail.example.com")))
      .map(([path, name]) =>
        stringify(
          edit(doc, path, (n, k) => {
            if (Array.isArray(n)) return;
            const v = n[k];
            delete n[k];
            n[name] = v;
          }),
        ),
      ),
    fc
      .tuple(
        fc.nat(text.length),
        fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("\0", "\t", "&a ", "*a", "!!binary ", "!foo ", "\ufeff", ": ", "- ", "\n  ")),
      )
      .map(([i, s]) => text.slice(0, i) + s + text.slice(i)),
    fc.nat(text.length).map((i) => text.slice(0, i)),
  );
};

const COMMANDS = [
  ["keys"],
  ["validate"],
  ["records", "--format", "markdown"],
  ["rotate", "--now", "2026-01-10T00:00:00Z"],
  ["export", "--format", "json", "--out", "EXPORT"],
  ["synth"],
];

/** `cdktf synth` in-process: what `main.ts` does, into the project's cdktf.out. */
const synth = () => synthInProcess(p.config, join(p.dir, "cdktf.out"));

const JS_ERROR = /\b(TypeError|ReferenceError|RangeError|SyntaxError|Cannot read propert|is not a function|is not iterable|undefined|\[object Object\])/;
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const LINE_OK = /^(.+:\d+:\d+: .+|warning: .+:\d+:\d+: .+|\d+ problems? found; nothing was changed\.|error: .+|another dkimctl run .+|\s.*)$/;

test("every mutation of domains.yaml: success, or exit 1 with positions and nothing changed; never a key in the output", async () => {
  const doc = parse(BASE) as Doc;
  // The key users paste is a throwaway one: a failing run prints its counterexample.
  const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const original = snapshotTree(p.dir);
  let failures = 0;
  await fc.assert(
    fc.asyncProperty(mutation(doc, BASE, pem), fc.constantFrom(...COMMANDS), async (text, command) => {
      writeFileSync(p.config, text);
      const before = snapshotTree(p.dir);
      const out = tempDir();
      const args = command.map((a) => (a === "EXPORT" ? out : a));
      const r = command[0] === "synth" ? synth() : await dkimctl(...args, "--config", p.config);
      const said = `${r.out}\n${r.err}`;
      expect(findSecrets(said, [...pems, pem])).toEqual([]);
      expect(said).not.toMatch(STACK);
      expect(said).not.toMatch(JS_ERROR);
      expect([0, 1]).toContain(r.code);
      if (r.code === 1) {
        failures++;
        for (const line of r.err.split("\n").filter(Boolean)) expect(line).toMatch(LINE_OK);
        expect(snapshotTree(p.dir)).toEqual(before);
      }
      // Back to the base project for the next run.
      rmSync(out, { recursive: true, force: true });
      writeFileSync(p.config, BASE);
      for (const f of Object.keys(snapshotTree(p.dir))) if (!(f in original)) rmSync(join(p.dir, f), { recursive: true, force: true });
      for (const [f, what] of Object.entries(original))
        if (what.startsWith("file ") && snapshotTree(p.dir)[f] !== what) writeFileSync(join(p.dir, f), Buffer.from(what.split(" ")[2] ?? "", "base64"));
    }),
    { numRuns: Number(process.env.DKIMCTL_MUTATION_RUNS ?? 300) },
  );
  // The property saw both sides: mutations that fail and ones that pass.
  expect(failures).toBeGreaterThan(30);
});
