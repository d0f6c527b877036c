/**
 * Private keys live in the key store and the export only: never in the
 * lock, cdktf.out, command output, or git.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findSecrets, scanTree, secretNeedles } from "./support/secrets";
import { dkimctlBin, ROOT, synthApp, tempDir, tempProject } from "./support/project";

const YAML = `version: 1
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare }
domains:
  example.com:
    selectors:
      r1: { key: rsa-1024 }
      r2: {}
      r4: { key: rsa-4096 }
      e1: { key: ed25519 }
  example.org:
    selectors:
      r3: { key: rsa-3072 }
      e1: { key: ed25519 }
`;

test("keys, validate, records and synth leak no private key material", () => {
  const p = tempProject(YAML);
  const outputs: string[] = [];
  const run = (...args: string[]) => {
    const r = dkimctlBin([...args, "--config", p.config]);
    expect(r.code).toBe(0);
    outputs.push(r.out, r.err);
  };
  run("keys");
  run("validate");
  for (const format of ["table", "zone", "json", "markdown"]) run("records", "--format", format);
  const out = tempDir();
  const s = synthApp(p.config, out);
  expect(s.code).toBe(0);
  outputs.push(s.out, s.err);

  const pems = ["example.com/r1", "example.com/r2", "example.com/r4", "example.com/e1", "example.org/r3", "example.org/e1"].map((k) =>
    readFileSync(join(p.store, `${k}.pem`), "utf8"),
  );
  // The scan can fail: it finds every key where it really is.
  expect(scanTree(p.store, pems).map((f) => f.found.length)).toEqual(Array(6).fill(2));
  expect(findSecrets(Buffer.from(pems[1]).toString("base64"), pems)).toEqual([]); // not how keys leak; documented limit
  expect(secretNeedles(pems[3]).length).toBeGreaterThan(3);

  expect(scanTree(out, pems)).toEqual([]);
  expect(findSecrets(readFileSync(p.lock, "utf8"), pems)).toEqual([]);
  expect(findSecrets(outputs.join("\n"), pems)).toEqual([]);
});

test("the key store and exports are ignored by git, and no tracked file holds a private key", () => {
  const ignored = spawnSync("git", ["check-ignore", ".dkim/keys/example.com/s1.pem", "dkim-export/example.com/s1.pem"], { cwd: ROOT, encoding: "utf8" });
  expect(ignored.stdout.trim().split("\n")).toEqual([".dkim/keys/example.com/s1.pem", "dkim-export/example.com/s1.pem"]);
  const files = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).stdout.split("\0").filter(Boolean);
  expect(files.length).toBeGreaterThan(10);
  const leaking = files
    .filter((f) => !f.startsWith("test/fixtures/"))
    .filter((f) => {
      try {
        return /-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----/.test(readFileSync(join(ROOT, f), "latin1"));
      } catch {
        return false;
      }
    });
  expect(leaking).toEqual([]);
});
