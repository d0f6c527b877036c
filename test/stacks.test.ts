/**
 * `dkimctl stacks --changed-from REF`: in a real git repository (the config in
 * a subdirectory, as in a monorepo), each kind of change lists exactly the
 * stacks whose records differ, and a change of no record lists none.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bucketOf } from "../src/config/zone-stacks";
import { dkimctl, tempDir } from "./support/project";

const BASE = `# the DKIM configuration
version: 1
defaults:
  key: ed25519
zones:
  a.example: { provider: route53, zoneId: Z0AAAAAAAAAAAAAAAAAAA }
  b.example: { provider: route53 }
  c.example: { provider: cloudflare }
domains:
  a.example:
    selectors:
      s1: {}
  mail.a.example:
    selectors:
      s1: {}
  b.example:
    selectors:
      s1: {}
      del: { cname: s1.dkim.provider.example }
  c.example:
    rotation: { keys: [ed25519], every: 90d }
`;

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };

interface Repo {
  dir: string;
  config: string;
  lock: string;
  git(...args: string[]): string;
  edit(from: string | RegExp, to: string): void;
  commit(message: string): void;
}

/** Each domains.yaml's repository, made once: each test gets a copy (.git included; nothing in it names the directory). */
const made = new Map<string, Promise<string>>();

/** A git repository with `infra/domains.yaml` (and its keys) committed; HEAD is that commit. */
async function repo(yaml = BASE): Promise<Repo> {
  const template = made.get(yaml) ?? makeRepo(yaml).then((r) => r.dir);
  made.set(yaml, template);
  const dir = tempDir("dkimctl-stacks-");
  cpSync(await template, dir, { recursive: true });
  return bind(dir);
}

async function makeRepo(yaml: string): Promise<Repo> {
  const r = bind(tempDir("dkimctl-stacks-"));
  mkdirSync(join(r.dir, "infra"));
  r.git("init", "-q", "-b", "main");
  writeFileSync(join(r.dir, "README.md"), "a project\n");
  writeFileSync(join(r.dir, ".gitignore"), ".dkim/\n");
  r.commit("start");
  writeFileSync(r.config, yaml);
  await ok("keys", "--config", r.config);
  await ok("rotate", "--now", "2026-01-01T00:00:00Z", "--config", r.config);
  r.commit("dkim");
  return r;
}

/** The Repo of the repository in `dir`. */
function bind(dir: string): Repo {
  const config = join(dir, "infra", "domains.yaml");
  const git = (...args: string[]) => execFileSync("git", ["-C", dir, "-c", "commit.gpgsign=false", ...args], { env: GIT_ENV, encoding: "utf8" });
  const r: Repo = {
    dir,
    config,
    lock: join(dir, "infra", "dkim.lock.yaml"),
    git,
    edit(from, to) {
      const text = readFileSync(config, "utf8");
      const next = text.replace(from, to);
      if (next === text) throw new Error(`the edit found no ${String(from)}`);
      writeFileSync(config, next);
    },
    commit(message) {
      git("add", "-A");
      git("commit", "-q", "-m", message);
    },
  };
  return r;
}

async function ok(...argv: string[]) {
  const r = await dkimctl(...argv);
  if (r.code !== 0) throw new Error(`dkimctl ${argv.join(" ")}: exit ${r.code}\n${r.err}`);
  return r;
}

/** The stacks `dkimctl stacks --changed-from REF` lists, as lines. */
async function changed(r: Repo, ref = "HEAD"): Promise<string[]> {
  const out = (await ok("stacks", "--changed-from", ref, "--config", r.config)).out;
  return out.split("\n").filter(Boolean);
}

async function changedJson(r: Repo, ref = "HEAD") {
  return JSON.parse((await ok("stacks", "--changed-from", ref, "--format", "json", "--config", r.config)).out) as {
    stack: string;
    zone: string;
    change: string;
    reason: string;
    before: number | null;
    after: number | null;
  }[];
}

test("without --changed-from: every stack, one per zone; with no change since HEAD: none", async () => {
  const r = await repo();
  expect((await ok("stacks", "--config", r.config)).out).toBe("a-example\nb-example\nc-example\n");
  expect(await changed(r)).toEqual([]);
  expect((await ok("stacks", "--changed-from", "HEAD", "--format", "json", "--config", r.config)).out).toBe("[]\n");
});

test("adding a domain lists its zone's stack, once the new key is in the lock", async () => {
  const r = await repo();
  r.edit("  b.example:\n    selectors:", "  news.a.example:\n    selectors:\n      s1: {}\n  b.example:\n    selectors:");
  await ok("keys", "--config", r.config);
  expect(await changedJson(r)).toEqual([{ stack: "a-example", zone: "a.example", change: "changed", reason: "1 record added", before: 2, after: 3 }]);
});

test("editing a domain's selector (its TTL) lists its stack", async () => {
  const r = await repo();
  r.edit("      del: { cname: s1.dkim.provider.example }", "      del: { cname: s1.dkim.provider.example, ttl: 600 }");
  expect(await changedJson(r)).toEqual([{ stack: "b-example", zone: "b.example", change: "changed", reason: "1 record changed", before: 2, after: 2 }]);
});

test("removing a domain lists its stack", async () => {
  const r = await repo();
  r.edit("  mail.a.example:\n    selectors:\n      s1: {}\n", "");
  expect(await changedJson(r)).toEqual([{ stack: "a-example", zone: "a.example", change: "changed", reason: "1 record removed", before: 2, after: 1 }]);
});

test("a rotation that changes only the lock lists the rotated domain's stack", async () => {
  const r = await repo();
  await ok("rotate", "--force", "--now", "2026-02-01T00:00:00Z", "--config", r.config);
  expect(r.git("status", "--porcelain")).toBe(" M infra/dkim.lock.yaml\n");
  expect(await changedJson(r)).toEqual([{ stack: "c-example", zone: "c.example", change: "changed", reason: "1 record added", before: 1, after: 2 }]);
});

test("a zone that loses every record is listed (its plan deletes them)", async () => {
  const r = await repo();
  r.edit(/ {2}b\.example:\n {4}selectors:\n {6}s1: \{\}\n {6}del: .*\n/, "");
  expect(await changedJson(r)).toEqual([
    { stack: "b-example", zone: "b.example", change: "changed", reason: "2 records removed; the zone has no records left", before: 2, after: 0 },
  ]);
});

test("a new zone, and a removed zone, are listed as added and removed", async () => {
  const r = await repo();
  r.edit("  c.example: { provider: cloudflare }\n", "  d.example: { provider: route53 }\n");
  r.edit(/ {2}c\.example:\n {4}rotation: .*\n/, "  d.example:\n    selectors:\n      s1: {}\n");
  await ok("keys", "--config", r.config);
  expect(await changedJson(r)).toEqual([
    { stack: "c-example", zone: "c.example", change: "removed", reason: "zone removed (it had 1 record)", before: 1, after: null },
    { stack: "d-example", zone: "d.example", change: "added", reason: "new zone (1 record)", before: null, after: 1 },
  ]);
});

test("a zone whose provider, zone id or backend changed is listed", async () => {
  const r = await repo();
  r.edit("zoneId: Z0AAAAAAAAAAAAAAAAAAA", "zoneId: Z0BBBBBBBBBBBBBBBBBBB");
  r.edit("  b.example: { provider: route53 }", "  b.example: { provider: cloudflare }");
  expect(await changedJson(r)).toEqual([
    { stack: "a-example", zone: "a.example", change: "changed", reason: "zoneId changed", before: 2, after: 2 },
    { stack: "b-example", zone: "b.example", change: "changed", reason: "provider route53 -> cloudflare", before: 2, after: 2 },
  ]);
  r.git("checkout", "-q", "--", ".");
  r.edit("zones:", "backend: { s3: { bucket: tf-state, region: eu-west-1 } }\nzones:");
  expect(await changed(r)).toEqual(["a-example", "b-example", "c-example"]);
});

test("a zone whose provider options changed (another managed zone, resource group or project) is listed", async () => {
  const zones = "  c.example: { provider: google, managedZone: c-example }\n  d.example: { provider: azure, resourceGroup: dns-rg }\n";
  const r = await repo(`${BASE.replace("  c.example: { provider: cloudflare }\n", zones)}  d.example:\n    selectors:\n      s1: {}\n`);
  r.edit("managedZone: c-example", "managedZone: c-example, project: dns-project-1");
  r.edit("resourceGroup: dns-rg", "resourceGroup: other-rg");
  expect(await changedJson(r)).toEqual([
    { stack: "c-example", zone: "c.example", change: "changed", reason: "project changed", before: 1, after: 1 },
    { stack: "d-example", zone: "d.example", change: "changed", reason: "resourceGroup changed", before: 1, after: 1 },
  ]);
});

test("comments, reordering and a key store setting change no record: no stack", async () => {
  const r = await repo(BASE.replace("zones:", "keyStore: { local: { dir: .dkim/keys } }\nzones:"));
  r.edit("# the DKIM configuration", "# the DKIM configuration, reviewed by the mail team");
  r.edit("keyStore: { local: { dir: .dkim/keys } }", "keyStore:\n  local:\n    dir: .dkim/../.dkim/keys   # the same directory, spelled out");
  r.edit("  a.example:\n    selectors:\n      s1: {}\n", "");
  r.edit("  c.example:\n    rotation:", "  a.example:\n    selectors:\n      s1: {}   # moved\n  c.example:\n    rotation:");
  r.edit("zones:\n  a.example: { provider: route53, zoneId: Z0AAAAAAAAAAAAAAAAAAA }\n", "zones:\n");
  r.edit(
    "  c.example: { provider: cloudflare }\n",
    "  c.example: { provider: cloudflare }\n  a.example:\n    zoneId: Z0AAAAAAAAAAAAAAAAAAA\n    provider: route53\n",
  );
  expect(await changed(r)).toEqual([]);
  // The lock rewritten in another order is no change either.
  const lock = readFileSync(r.lock, "utf8");
  writeFileSync(r.lock, lock.replace("# Written by dkimctl. Commit it: it holds public keys only.\n", ""));
  expect(await changed(r)).toEqual([]);
});

test("against an earlier commit: every change since then, committed or not", async () => {
  const r = await repo();
  r.edit("      del: { cname: s1.dkim.provider.example }", "      del: { cname: s2.dkim.provider.example }");
  r.commit("b");
  r.edit("  mail.a.example:\n    selectors:\n      s1: {}\n", "");
  expect(await changed(r, "HEAD~1")).toEqual(["a-example", "b-example"]);
  expect(await changed(r, "HEAD")).toEqual(["a-example"]);
});

test("a config that did not exist at the revision: every stack is new", async () => {
  const r = await repo();
  expect((await changedJson(r, "HEAD~1")).map((s) => [s.stack, s.change])).toEqual([
    ["a-example", "added"],
    ["b-example", "added"],
    ["c-example", "added"],
  ]);
});

test("a config that was not valid at the revision: every stack, with a warning that says why", async () => {
  const r = await repo();
  writeFileSync(r.config, BASE.replace("  c.example: { provider: cloudflare }", "  c.example: { provider: cloudfare }"));
  r.commit("broken");
  writeFileSync(r.config, BASE);
  const res = await ok("stacks", "--changed-from", "HEAD", "--format", "json", "--config", r.config);
  expect(JSON.parse(res.out).map((s: { stack: string; change: string }) => [s.stack, s.change])).toEqual([
    ["a-example", "all"],
    ["b-example", "all"],
    ["c-example", "all"],
  ]);
  expect(res.err).toMatch(
    /^warning: the config at HEAD is not valid \(\d+ problems?\), so nothing can be compared: listing every stack\n {2}HEAD:infra\/domains\.yaml:8:\d+: /,
  );
  expect(res.err).toContain("cloudfare");
});

test("an unknown revision is a usage error (exit 2) that names it; so is a config outside git", async () => {
  const r = await repo();
  const res = await dkimctl("stacks", "--changed-from", "origin/no-such-branch", "--config", r.config);
  expect(res).toEqual({ code: 2, out: "", err: expect.stringContaining("--changed-from: 'origin/no-such-branch' is not a commit of the repository") });
  expect(res.err).toContain("git fetch");
  expect(res.err).not.toMatch(/\n\s+at /);
  const outside = tempDir();
  writeFileSync(join(outside, "domains.yaml"), "version: 1\nzones: {}\ndomains: {}\n");
  const noRepo = await dkimctl("stacks", "--changed-from", "HEAD", "--config", join(outside, "domains.yaml"));
  expect(noRepo).toEqual({ code: 2, out: "", err: expect.stringContaining("needs the config in a git repository") });
  expect((await dkimctl("stacks", "--changed-from=--output=x", "--config", r.config)).code).toBe(2);
  expect((await dkimctl("stacks", "--format", "yaml", "--config", r.config)).code).toBe(2);
});

test("an invalid working-tree config is reported as every command reports it (exit 1)", async () => {
  const r = await repo();
  r.edit("  b.example: { provider: route53 }", "  b.example: { provider: route54 }");
  const res = await dkimctl("stacks", "--changed-from", "HEAD", "--config", r.config);
  expect(res.code).toBe(1);
  expect(res.out).toBe("");
  expect(res.err).toMatch(/infra\/domains\.yaml:7:\d+: .*route54/);
});

test("a customer list file is read as it was at the revision, and a problem in it is named there", async () => {
  const withList = `${BASE}customers:\n  b.example:\n    list: customers.txt\n`;
  const r = await repo();
  const infra = join(r.dir, "infra");
  writeFileSync(join(infra, "customers.txt"), "shop.example\n");
  writeFileSync(r.config, withList);
  await ok("keys", "--config", r.config); // the customer's slot keys, which the key zone publishes
  r.commit("a customer list");
  // The working tree moves the list to another file: the revision's domains.yaml still names customers.txt, read from git.
  writeFileSync(join(infra, "customers-2.txt"), "shop.example\n");
  r.git("rm", "-q", "infra/customers.txt");
  writeFileSync(r.config, withList.replace("customers.txt", "customers-2.txt"));
  const res = await ok("stacks", "--changed-from", "HEAD", "--format", "json", "--config", r.config);
  expect([res.out, res.err]).toEqual(["[]\n", ""]);
  // A list that was not valid at the revision is reported with the revision's name for it.
  r.git("add", "-A");
  writeFileSync(join(infra, "customers-2.txt"), "bad_name.example\n");
  r.commit("a bad list");
  writeFileSync(join(infra, "customers-2.txt"), "shop.example\n");
  const bad = await ok("stacks", "--changed-from", "HEAD", "--config", r.config);
  expect(bad.err).toContain("  HEAD:infra/customers-2.txt:1:1: customer name 'bad_name.example' is not a host name");
});

describe("a key zone's customers, spread over stacks by their names", () => {
  const KEYS = `version: 1
defaults: { key: ed25519 }
zones:
  a.example: { provider: route53 }
  keys.esp.example: { provider: route53, stacks: 4 }
domains:
  a.example:
    selectors:
      s1: {}
customers:
  keys.esp.example:
    domains:
      shop.example:
      news.example:
      books.example:
      mail.example:
      txt.example: { delegation: txt }
`;
  /** Where `stackOf` puts each customer, checked against synth's own stacks below. */
  const bucket = (customer: string) => `keys-esp-example-0${bucketOf(customer, 4)}`;

  test("every stack of the key zone is listed, each customer's two records in the stack its name hashes to", async () => {
    const r = await repo(KEYS);
    expect((await ok("stacks", "--config", r.config)).out).toBe(
      ["a-example", "keys-esp-example", "keys-esp-example-00", "keys-esp-example-01", "keys-esp-example-02", "keys-esp-example-03", ""].join("\n"),
    );
    const counts = new Map<string, number>();
    for (const c of ["shop.example", "news.example", "books.example", "mail.example"]) counts.set(bucket(c), (counts.get(bucket(c)) ?? 0) + 2);
    const json = JSON.parse((await ok("stacks", "--format", "json", "--config", r.config)).out) as { stack: string; after: number }[];
    // A txt customer publishes its key records itself: nothing of it in our zone.
    expect(json.filter((s) => s.stack.startsWith("keys-")).map((s) => [s.stack, s.after])).toEqual(
      ["keys-esp-example", ...[0, 1, 2, 3].map((i) => `keys-esp-example-0${i}`)].map((s) => [s, counts.get(s) ?? 0]),
    );
  });

  test("adding a customer and removing another plans only their stacks, and moves no other record", async () => {
    const r = await repo(KEYS);
    r.edit("      news.example:\n", "      post.example:\n");
    await ok("keys", "--config", r.config);
    const listed = await changedJson(r);
    expect(listed.map((s) => s.stack).sort()).toEqual([...new Set([bucket("post.example"), bucket("news.example")])].sort());
    for (const s of listed) expect(s.reason).toMatch(/^(2 records (added|removed)(, )?)+$/);
  });

  test("changing a key zone's stacks would move records between stacks: refused, naming the zone and what to do", async () => {
    const r = await repo(KEYS);
    r.edit("stacks: 4", "stacks: 8");
    const res = await dkimctl("stacks", "--changed-from", "HEAD", "--config", r.config);
    expect({ code: res.code, out: res.out }).toEqual({ code: 1, out: "" });
    expect(res.err).toMatch(
      /records of keys\.esp\.example would move to another of its stacks since HEAD, e\.g\. esp1\.\S+ \(keys-esp-example-0\d -> keys-esp-example-0\d\)/,
    );
    expect(res.err).toContain("set 'stacks' back, and put new customers in a second key zone instead");
  });
});
