/**
 * The second adversarial pass (issue #21), each reproduction now refused or
 * correct, on a real file system and real git: export never deletes the
 * project through a link, asks git about every file it writes, refuses what
 * keys and validate refuse; the age store never follows a linked domain.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient, UntagResourceCommand } from "@aws-sdk/client-secrets-manager";
import { parse } from "yaml";
import { AgeKeyStore } from "../src/keys/age-store";
import { SecretsManagerKeyStore } from "../src/keys/secrets-manager-store";
import { MotoServer, requireMoto } from "./support/moto";
import { dkimctl, tempDir, tempProject } from "./support/project";
import { TWO_SELECTORS } from "./support/keyed-project";
import { snapshotTree } from "./support/tree";

const P = TWO_SELECTORS;

const GIT_ENV = { GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
function git(dir: string, ...args: string[]): string {
  const r = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", env: { ...process.env, ...GIT_ENV } });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Project P with its keys, in a git repository with everything committed (the key store ignored). */
async function committedProject(gitignore = ".dkim/\n.dkimctl.lock\n") {
  const p = tempProject(P);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  writeFileSync(join(p.dir, ".gitignore"), gitignore);
  git(p.dir, "init", "-q");
  git(p.dir, "add", "-A");
  git(p.dir, "commit", "-q", "-m", "project");
  return p;
}

describe("export never removes a file of the project (#21 item 1)", () => {
  test("--out LINK --force, LINK a symbolic link to the project: refused, the project byte-identical", async () => {
    const p = await committedProject();
    const link = join(tempDir(), "LINK");
    symlinkSync(p.dir, link);
    const before = snapshotTree(p.dir);
    const r = await dkimctl("export", "--format", "pem", "--out", link, "--force", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--out ${link} is a symbolic link: give the directory itself`);
    expect(snapshotTree(p.dir)).toEqual(before);
    // Below a link: the real path is compared, and it is the project.
    const below = await dkimctl("export", "--format", "pem", "--out", join(link, "."), "--force", "--config", p.config);
    expect(below.code).toBe(1);
    expect(snapshotTree(p.dir)).toEqual(before);
    for (const f of ["domains.yaml", "dkim.lock.yaml", ".gitignore", ".git", ".dkim"]) expect(existsSync(join(p.dir, f))).toBe(true);
  });

  test("--config through a symbolic link and --out the real directory, --force: refused, the project byte-identical", async () => {
    const p = await committedProject();
    const link = join(tempDir(), "LINK");
    symlinkSync(p.dir, link);
    const before = snapshotTree(p.dir);
    const r = await dkimctl("export", "--format", "pem", "--out", p.dir, "--force", "--config", join(link, "domains.yaml"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--out ${p.dir} holds ${join(link, "domains.yaml")}: export into a directory of its own`);
    // And the other way round: --out through the link to a directory that holds the project.
    const parent = await dkimctl("export", "--format", "pem", "--out", join(p.dir, ".."), "--force", "--config", join(link, "domains.yaml"));
    expect(parent.code).toBe(1);
    expect(snapshotTree(p.dir)).toEqual(before);
  });

  test("an export into the key store, or holding it, is refused", async () => {
    const p = await committedProject();
    const before = snapshotTree(p.dir);
    for (const out of [join(p.store, "export"), p.store, join(p.dir, ".dkim")]) {
      const r = await dkimctl("export", "--format", "pem", "--out", out, "--force", "--config", p.config);
      expect([out, r.code]).toEqual([out, 1]);
      expect(r.err).toMatch(/(is inside|holds) the key store/);
    }
    const inGit = await dkimctl("export", "--format", "pem", "--out", join(p.dir, ".git", "x"), "--force", "--config", p.config);
    expect(inGit.err).toMatch(/is inside a \.git directory/);
    expect(snapshotTree(p.dir)).toEqual(before);
  });

  test("--force removes files dkimctl did not write, never a file git tracks, and never through a link", async () => {
    const p = await committedProject(".dkim/\n.dkimctl.lock\n");
    const out = join(p.dir, "infra");
    mkdirSync(out);
    writeFileSync(join(out, "main.tf"), "# tracked\n");
    git(p.dir, "add", "-A");
    git(p.dir, "commit", "-q", "-m", "infra");
    writeFileSync(join(p.dir, ".gitignore"), ".dkim/\n.dkimctl.lock\ninfra/\n");
    const before = snapshotTree(p.dir);
    const r = await dkimctl("export", "--format", "pem", "--out", out, "--force", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain("holds files git tracks (main.tf): they belong to the project and an export never removes them");
    expect(snapshotTree(p.dir)).toEqual(before);

    // A link inside the export's directory where a key would be written: refused, nothing written through it.
    const target = tempDir();
    const out2 = join(tempDir(), "export");
    mkdirSync(out2);
    symlinkSync(target, join(out2, "example.com"));
    const linked = await dkimctl("export", "--format", "pem", "--out", out2, "--force", "--config", p.config);
    expect(linked.code).toBe(1);
    expect(linked.err).toContain(`has symbolic links where the export writes or removes files (${join(out2, "example.com")})`);
    expect(readdirSync(target)).toEqual([]);
  });
});

describe("export asks git about every file it writes (#21 item 9)", () => {
  test("a .gitignore of '.*' and '!.gitignore' ignores the marker file, not the keys: refused, naming them", async () => {
    const p = await committedProject(".*\n!.gitignore\n");
    const out = join(p.dir, "keys-out");
    const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/git does not ignore example\.com\/e1\.pem, example\.com\/s1\.pem: the private keys would be one 'git add' away/);
    expect(existsSync(out)).toBe(false);
    // Once git ignores the directory, the export is written and `git add -A` stages none of it.
    writeFileSync(join(p.dir, ".gitignore"), ".*\n!.gitignore\nkeys-out/\n");
    expect((await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config)).code).toBe(0);
    git(p.dir, "add", "-A");
    expect(git(p.dir, "diff", "--cached", "--name-only")).toBe(".gitignore\n");
  });
});

describe("export refuses the store that keys and validate refuse (#21 items 7 and 11)", () => {
  test("a local store root open to others (0755, 0777)", async () => {
    const p = tempProject(P);
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    for (const mode of [0o755, 0o777]) {
      chmodSync(p.store, mode);
      const out = join(tempDir(), "export");
      const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
      expect([mode, r.code]).toEqual([mode, 1]);
      expect(r.err).toContain(`${p.store} (mode ${mode.toString(8)}) is open to other users`);
      expect(existsSync(out)).toBe(false);
    }
  });

  test("an age store whose domain directory is a link to keys elsewhere", async () => {
    const id = join(tempDir("dkimctl-age-id-"), "key.txt");
    expect(spawnSync("age-keygen", ["-o", id]).status).toBe(0);
    const recipient = spawnSync("age-keygen", ["-y", id], { encoding: "utf8" }).stdout.trim();
    const p = tempProject(`${P}keyStore: { age: { dir: dkim-keys, recipients: [${recipient}] } }\n`);
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const elsewhere = join(tempDir(), "example.com");
    renameSync(join(p.dir, "dkim-keys", "example.com"), elsewhere);
    symlinkSync(elsewhere, join(p.dir, "dkim-keys", "example.com"));
    process.env.DKIMCTL_AGE_IDENTITY_FILE = id;
    try {
      const out = join(tempDir(), "export");
      const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${join(p.dir, "dkim-keys", "example.com")} is a symbolic link`);
      expect(existsSync(out)).toBe(false);
    } finally {
      delete process.env.DKIMCTL_AGE_IDENTITY_FILE;
    }
  });
});

// ---------------------------------------------------------------------------------------------
// AWS Secrets Manager against moto: only this project's own keys, ever
// ---------------------------------------------------------------------------------------------

describe("Secrets Manager: dkimctl touches only this project's own keys (#21 items 2, 3, 8, 10)", () => {
  const REGION = "eu-west-1";
  let moto: MotoServer;
  let sm: SecretsManagerClient;
  const saved = { ...process.env };
  beforeAll(async () => {
    requireMoto();
    moto = await MotoServer.start();
    Object.assign(process.env, moto.env(), { AWS_REGION: REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url });
    sm = new SecretsManagerClient({ region: REGION });
  }, 60_000);
  afterAll(() => {
    sm?.destroy();
    moto?.stop();
    process.env = saved;
  });

  /** A project with the default prefix (dkim/) and its own id. */
  const smProject = (project: string, domains: string, region = REGION) =>
    tempProject(
      `version: 1\nkeyStore: { awsSecretsManager: { region: ${region}, project: ${project} } }\n` +
        `zones:\n  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }\ndomains:\n${domains}\n`,
    );
  const selectors = (domain: string, ...names: string[]) => `  ${domain}:\n    selectors:\n${names.map((n) => `      ${n}: { key: ed25519 }`).join("\n")}`;
  const describeTags = async (name: string) => {
    const d = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    return { deleted: d.DeletedDate !== undefined, tags: Object.fromEntries((d.Tags ?? []).map((t) => [t.Key, t.Value])) };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test("two projects with the default prefix: A's prune tags and deletes only A's own stray; B's keys stay, untagged, and B stays green", async () => {
    const a = smProject("project-a-0001", selectors("a.example.com", "s1"));
    const b = smProject("project-b-0002", selectors("b.example.com", "s1", "s2"));
    for (const p of [a, b]) expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    // A stray of A's: a key A's store made that neither its config nor its lock has (a run whose lock was lost).
    const storeA = new SecretsManagerKeyStore({ kind: "awsSecretsManager", region: REGION, project: "project-a-0001", prefix: "dkim/", tags: {} });
    expect(await storeA.create("a.example.com", "lost1", generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString())).toBe(
      true,
    );
    const first = await dkimctl("keys", "prune", "--older-than", "1s", "--config", a.config);
    expect([first.code, first.err]).toEqual([0, ""]);
    expect(first.out).toMatch(/^a\.example\.com\/lost1: tagged removed at /m);
    expect(first.out).not.toMatch(/b\.example\.com/);
    await sleep(1100);
    const second = await dkimctl("keys", "prune", "--older-than", "1s", "--config", a.config);
    expect([second.code, second.err]).toEqual([0, ""]);
    expect(second.out).toMatch(/^a\.example\.com\/lost1: deleted /m);
    expect(second.out).toMatch(/^left alone: [1-9]\d* keys? of other projects/m);
    expect((await describeTags("dkim/a.example.com/lost1")).deleted).toBe(true);
    for (const s of ["s1", "s2"]) {
      const t = await describeTags(`dkim/b.example.com/${s}`);
      expect({ s, deleted: t.deleted, removed: t.tags["dkimctl:removed"], project: t.tags["dkimctl:project"] }).toEqual({
        s,
        deleted: false,
        removed: undefined,
        project: "project-b-0002",
      });
    }
    for (const cmd of ["keys", "validate"]) expect([cmd, (await dkimctl(cmd, "--config", b.config)).code]).toEqual([cmd, 0]);
  });

  test("a selector another project holds under the same prefix is refused, never adopted", async () => {
    const a = smProject("project-a-0011", selectors("c.example.com", "s1"));
    expect((await dkimctl("keys", "--config", a.config)).code).toBe(0);
    const b = smProject("project-b-0012", selectors("c.example.com", "s1"));
    const r = await dkimctl("keys", "--config", b.config);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      "the secret dkim/c.example.com/s1 belongs to another dkimctl project (dkimctl:project project-a-0011, this project is project-b-0012)",
    );
    expect(existsSync(b.lock)).toBe(false);
  });

  test("secrets dkimctl never made are never strays, never read, and never make keys fail", async () => {
    const names = ["dkim/prod.example.com/db-password", "dkim/api.stripe.com/live-key", "prod.example.com/db-password"];
    for (const Name of names) await sm.send(new CreateSecretCommand({ Name, SecretString: "hunter2" }));
    const a = smProject("project-a-0021", selectors("d.example.com", "s1"));
    const keys = await dkimctl("keys", "--config", a.config);
    expect([keys.code, keys.err]).toEqual([0, ""]);
    for (let i = 0; i < 2; i++) {
      const r = await dkimctl("keys", "prune", "--older-than", "1s", "--config", a.config);
      expect([r.code, r.err]).toEqual([0, ""]);
      expect(r.out).not.toMatch(/password|live-key/);
      await sleep(1100);
    }
    for (const name of names) expect(await describeTags(name)).toEqual({ deleted: false, tags: {} });
    expect((await dkimctl("validate", "--config", a.config)).code).toBe(0);
  });

  test("a key without the project's mark (stored before projects were marked) is claimed by the lock that proves it", async () => {
    const a = smProject("project-a-0031", selectors("e.example.com", "s1"));
    expect((await dkimctl("keys", "--config", a.config)).code).toBe(0);
    // As an earlier dkimctl left it: every tag but the project's.
    await sm.send(new UntagResourceCommand({ SecretId: "dkim/e.example.com/s1", TagKeys: ["dkimctl:project"] }));
    const r = await dkimctl("keys", "--config", a.config);
    expect([r.code, r.out]).toEqual([0, "every generated selector has a key; nothing to do\n"]);
    expect(r.err).toBe("note: dkim/e.example.com/s1: marked as project project-a-0031's (the lock holds its key)\n");
    expect((await describeTags("dkim/e.example.com/s1")).tags["dkimctl:project"]).toBe("project-a-0031");
  });

  test("a key whose secret was deleted: keys and validate fail naming restore-secret; rotate promotes no key without its private half", async () => {
    const a = smProject("project-a-0041", `${selectors("f.example.com", "s1")}\n  g.example.com:\n    rotation: { keys: [ed25519], publishAhead: 1d }`);
    expect((await dkimctl("keys", "--config", a.config)).code).toBe(0);
    expect((await dkimctl("rotate", "--config", a.config, "--now", "2026-01-01T00:00:00Z")).code).toBe(0);
    const pending = Object.keys(parse(readFileSync(a.lock, "utf8")).keys["g.example.com"])[0];
    await sm.send(new DeleteSecretCommand({ SecretId: `dkim/g.example.com/${pending}`, RecoveryWindowInDays: 7 }));
    const restore = `restore it with 'aws secretsmanager restore-secret --region ${REGION} --secret-id dkim/g.example.com/${pending}'`;
    const before = readFileSync(a.lock, "utf8");
    for (const args of [["keys"], ["validate"], ["rotate", "--now", "2026-01-03T00:00:00Z"]]) {
      const r = await dkimctl(...args, "--config", a.config);
      expect([args[0], r.code]).toEqual([args[0], 1]);
      expect(r.err).toContain(`g.example.com/${pending}: ${a.lock} has its public key but AWS Secrets Manager`);
      expect(r.err).toContain(restore);
    }
    expect(readFileSync(a.lock, "utf8")).toBe(before);
    expect(parse(before).keys["g.example.com"][pending].state).toBe("pending");
  });

  test("the wrong region: keys and validate fail, naming the region to check, instead of a warning per key", async () => {
    const a = smProject("project-a-0051", selectors("h.example.com", "s1", "s2"));
    expect((await dkimctl("keys", "--config", a.config)).code).toBe(0);
    writeFileSync(a.config, readFileSync(a.config, "utf8").replace(`region: ${REGION}`, "region: us-west-2"));
    for (const cmd of ["keys", "validate"]) {
      const r = await dkimctl(cmd, "--config", a.config);
      expect([cmd, r.code]).toEqual([cmd, 1]);
      expect(r.err).toContain("there is no secret dkim/h.example.com/s1 in us-west-2: if the keys are in another region or account, fix keyStore");
      expect(r.err).not.toMatch(/^warning/m);
      expect(r.err).not.toMatch(/backup|--key-store/);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// validate without a private key checks everything public; no key active without its private half
// ---------------------------------------------------------------------------------------------

/** A new age identity from Debian's age-keygen. */
function ageIdentity() {
  const file = join(tempDir("dkimctl-age-id-"), "key.txt");
  expect(spawnSync("age-keygen", ["-o", file]).status).toBe(0);
  return { file, recipient: spawnSync("age-keygen", ["-y", file], { encoding: "utf8" }).stdout.trim() };
}

describe("validate without an age identity checks everything public (#21 item 6, #17 item 6)", () => {
  const TWO = (recipient: string) =>
    `version: 1\ndefaults: { key: ed25519 }\nkeyStore: { age: { dir: dkim-keys, recipients: [${recipient}] } }\n` +
    "zones:\n  example.com: { provider: route53 }\n  example.org: { provider: route53 }\n" +
    "domains:\n  example.com: { selectors: { s1: {}, e1: {} } }\n  example.org: { selectors: { s1: {} } }\n";
  let id: ReturnType<typeof ageIdentity>;
  beforeAll(() => {
    id = ageIdentity();
  });
  async function ageProject() {
    const p = tempProject(TWO(id.recipient));
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    return { ...p, file: (domain: string, sel: string, ext: string) => join(p.dir, "dkim-keys", domain, `${sel}.${ext}`) };
  }

  test("an untouched store: public halves checked, and it says the private keys were not read", async () => {
    const p = await ageProject();
    const r = await dkimctl("validate", "--config", p.config);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toMatch(/^\S*dkim\.lock\.yaml: ok \(3 keys\)$/m);
    expect(r.out).toMatch(
      /^key store age \S+dkim-keys: public halves checked: it holds the 3 keys the lock publishes, each matching it; private keys not read \(no age identity/m,
    );
  });

  test("a local store that is not on this machine: validate says it did not check it, and why, instead of a plain ok", async () => {
    const p = tempProject(P);
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    rmSync(p.store, { recursive: true });
    const r = await dkimctl("validate", "--config", p.config);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out).toContain(`key store local ${p.store}: not checked: ${p.store} does not exist on this machine`);
    expect(r.out).not.toMatch(/: ok: it holds/);
  });

  test.each([
    [
      "swapped .pem.age and .pub between domains",
      (p: Awaited<ReturnType<typeof ageProject>>) => {
        for (const ext of ["pem.age", "pub"]) {
          const [a, b] = [p.file("example.com", "s1", ext), p.file("example.org", "s1", ext)];
          renameSync(a, `${a}.x`);
          renameSync(b, a);
          renameSync(`${a}.x`, b);
        }
      },
      /example\.com\/s1: the private key in .* does not match/,
    ],
    [
      "one key under two selectors",
      (p: Awaited<ReturnType<typeof ageProject>>) => {
        for (const ext of ["pem.age", "pub"]) writeFileSync(p.file("example.com", "e1", ext), readFileSync(p.file("example.com", "s1", ext)));
      },
      /example\.com\/e1 and example\.com\/s1 have the same key|example\.com\/s1 and example\.com\/e1 have the same key/,
    ],
    [
      "a file left with a merge conflict",
      (p: Awaited<ReturnType<typeof ageProject>>) => {
        const f = p.file("example.com", "e1", "pem.age");
        writeFileSync(f, `<<<<<<< HEAD\n${readFileSync(f, "utf8")}=======\n>>>>>>> theirs\n`);
      },
      /e1\.pem\.age is not an age-encrypted file \(it holds a merge conflict\)/,
    ],
    [
      "a .pem.age that is a symbolic link",
      (p: Awaited<ReturnType<typeof ageProject>>) => {
        const f = p.file("example.com", "e1", "pem.age");
        const elsewhere = join(tempDir(), "e1.pem.age");
        renameSync(f, elsewhere);
        symlinkSync(elsewhere, f);
      },
      /e1\.pem\.age is a symbolic link/,
    ],
    [
      "a key gone from the store",
      (p: Awaited<ReturnType<typeof ageProject>>) => {
        for (const ext of ["pem.age", "pub"]) spawnSync("rm", [p.file("example.org", "s1", ext)]);
      },
      /example\.org\/s1: .* has no private key for it: restore .*s1\.pem\.age and its \.pub from git history/,
    ],
  ])("%s: validate and keys fail without an identity, writing nothing", async (_what, tamper, message) => {
    const p = await ageProject();
    tamper(p);
    const before = snapshotTree(p.dir);
    for (const cmd of ["validate", "keys"]) {
      const r = await dkimctl(cmd, "--config", p.config);
      expect([cmd, r.code]).toEqual([cmd, 1]);
      expect(r.err).toMatch(message);
    }
    expect(snapshotTree(p.dir)).toEqual(before);
  });
});

describe("no key becomes active without its private half (#21 item 10)", () => {
  const ROTATED = "version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com:\n    rotation: { keys: [ed25519], publishAhead: 1d }\n";

  test.each(["local", "age"])("%s store: the pending key's file deleted, rotate past its date refuses, naming the key and the fix", async (kind) => {
    const id = kind === "age" ? ageIdentity() : undefined;
    const p = tempProject(id ? `${ROTATED}keyStore: { age: { dir: dkim-keys, recipients: [${id.recipient}] } }\n` : ROTATED);
    expect((await dkimctl("rotate", "--config", p.config, "--now", "2026-01-01T00:00:00Z")).code).toBe(0);
    const [selector] = Object.keys(parse(readFileSync(p.lock, "utf8")).keys["example.com"]);
    const dir = id ? join(p.dir, "dkim-keys", "example.com") : join(p.store, "example.com");
    for (const f of readdirSync(dir)) spawnSync("rm", [join(dir, f)]);
    const before = snapshotTree(p.dir);
    const r = await dkimctl("rotate", "--config", p.config, "--now", "2026-01-05T00:00:00Z");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`example.com/${selector}: ${p.lock} has its public key but`);
    expect(r.err).toMatch(id ? /restore \S+\.pem\.age and its \.pub from git history/ : /restore the key store \S+ from its backup/);
    expect(snapshotTree(p.dir)).toEqual(before);
    expect(parse(readFileSync(p.lock, "utf8")).keys["example.com"][selector].state).toBe("pending");
    const v = await dkimctl("validate", "--config", p.config);
    expect(v.code).toBe(1);
  });
});

describe("rough edges (#21 item 11)", () => {
  test("keys migrate killed between a key and its .pub: a rerun without an identity converges; after a copy no message says nothing was changed", async () => {
    const p = tempProject(P.replace("      e1: {}\n", "      e1: {}\n      a1: {}\n      z1: {}\n"));
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    const id = ageIdentity();
    const target = join(p.dir, "dkim-keys");
    const to = `{ age: { dir: dkim-keys, recipients: [${id.recipient}] } }`;
    // Another key already waits in the target under z1 (a teammate's earlier attempt).
    const other = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    expect(await new AgeKeyStore(target, [id.recipient], {}).create("example.com", "z1", other)).toBe(true);
    const partial = await dkimctl("keys", "migrate", "--to", to, "--config", p.config);
    expect(partial.code).toBe(1);
    expect(partial.err).toMatch(/example\.com\/z1: .* already holds another key for it/);
    expect(partial.err).toMatch(/1 problem found; 3 keys were copied to \S+dkim-keys before these were found .* run migrate again/);
    expect(partial.err).not.toMatch(/nothing was changed/);
    rmSync(join(target, "example.com", "z1.pem.age"));
    rmSync(join(target, "example.com", "z1.pub"));
    expect((await dkimctl("keys", "migrate", "--to", to, "--config", p.config)).code).toBe(0);

    // What a run killed after s1.pem.age appeared and before its public half was put in place leaves: the .pub in its temp file.
    const pub = join(target, "example.com", "s1.pub");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    renameSync(pub, join(target, "example.com", `.s1.pub.${dead}.0123456789ab.tmp`));
    const rerun = await dkimctl("keys", "migrate", "--to", to, "--config", p.config);
    expect([rerun.code, rerun.err]).toEqual([0, ""]);
    expect(rerun.out).toMatch(/^0 keys copied to \S+, 4 already there/m);
    expect(readdirSync(join(target, "example.com")).sort()).toEqual(["a1", "e1", "s1", "z1"].flatMap((s) => [`${s}.pem.age`, `${s}.pub`]).sort());
  });

  test("keys import refuses a file of two keys, and bounds the size of the file it reads (--key /dev/zero)", async () => {
    const p = tempProject(P.replace("      e1: {}\n", "      e1: {}\n      i1: {}\n"));
    const pem = () => generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const two = join(tempDir(), "two.pem");
    writeFileSync(two, pem() + pem(), { mode: 0o600 });
    const r = await dkimctl("keys", "import", "--domain", "example.com", "--selector", "i1", "--key", two, "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: the file holds 2 private keys: give a file holding exactly one (the one the signer uses for this selector)\n");
    const zero = await dkimctl("keys", "import", "--domain", "example.com", "--selector", "i1", "--key", "/dev/zero", "--config", p.config);
    expect(zero.code).toBe(1);
    expect(zero.err).toBe("error: /dev/zero is larger than 64 KiB: it is not a PEM private key file\n");
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(p.store)).toBe(false);
  });

  test("init refuses a package.json with a key twice (naming its line) and never writes through a linked package.json", async () => {
    const dir = tempDir();
    const dup = '{\n  "name": "x",\n  "scripts": { "a": "1" },\n  "scripts": { "b": "2" }\n}\n';
    writeFileSync(join(dir, "package.json"), dup);
    const r = await dkimctl("init", dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/package\.json cannot be merged: it has a key twice in one object \(line 4:3\): JSON readers keep only the last/);
    expect(readFileSync(join(dir, "package.json"), "utf8")).toBe(dup);
    expect(readdirSync(dir)).toEqual(["package.json"]);

    const linked = tempDir();
    const target = join(tempDir(), "elsewhere.json");
    writeFileSync(target, '{ "name": "elsewhere" }\n');
    symlinkSync(target, join(linked, "package.json"));
    const l = await dkimctl("init", linked);
    expect(l.code).toBe(1);
    expect(l.err).toContain("package.json is a symbolic link: init never writes through a link");
    expect(readFileSync(target, "utf8")).toBe('{ "name": "elsewhere" }\n');
    expect(readdirSync(linked)).toEqual(["package.json"]);
  });
});
