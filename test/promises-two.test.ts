/**
 * The second adversarial pass (issue #21), each reproduction now refused or
 * correct, on a real file system and real git: export never deletes the
 * project through a link, asks git about every file it writes, refuses what
 * keys and validate refuse; the age store never follows a linked domain.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dkimctl, tempDir, tempProject } from "./support/project";
import { snapshotTree } from "./support/tree";

const P = `version: 1
defaults: { key: ed25519 }
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
domains:
  example.com:
    selectors:
      s1: {}
      e1: {}
`;

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
