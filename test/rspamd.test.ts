/**
 * export --format rspamd, handed to a real rspamd (Debian's package): its
 * configuration passes `rspamadm configtest`, rspamd signs with every active
 * key (RSA and Ed25519), and two independent verifiers accept each signature
 * against the records dkimctl publishes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config/load";
import { Lock } from "../src/keys/lock";
import { desiredRecords } from "../src/records";
import { dkimctl, tempDir, tempProject } from "./support/project";
import { configtest, requireRspamd, rspamdVars, startRspamd } from "./support/rspamd";
import { findSecrets } from "./support/secrets";
import { dkimpyVerify, mailauthVerify, sampleMessage } from "./support/verifiers";

const YAML = `version: 1
zones:
  example.com: { provider: route53 }
domains:
  example.com:
    selectors:
      s1: { key: rsa-2048 }
      e1: { key: ed25519 }
  news.example.com:
    selectors:
      n1: { key: ed25519 }
`;

/** The signing policy an operator keeps in local.d/dkim_signing.conf, around dkimctl's file. */
const policy = (exportDir: string) =>
  `use_esld = false;\nsign_authenticated = true;\nsign_local = true;\nallow_username_mismatch = true;\n.include "${join(exportDir, "dkim_signing.conf")}"\n`;

let p: ReturnType<typeof tempProject>;
let out: string;
beforeAll(async () => {
  requireRspamd();
  p = tempProject(YAML);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  out = join(tempDir(), "rspamd");
  // The test's signer reads the export where it was written: that is its signer directory.
  const r = await dkimctl("export", "--format", "rspamd", "--out", out, "--signer-dir", out, "--config", p.config);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
});

test("the export is a valid rspamd configuration, and a broken one is caught", () => {
  const good = configtest(rspamdVars({ "dkim_signing.conf": policy(out) }).vars);
  expect(good).toEqual({ ok: true, output: expect.stringContaining("syntax OK") });
  const broken = tempDir();
  writeFileSync(join(broken, "dkim_signing.conf"), 'domain { "example.com" { selectors [ \n');
  expect(configtest(rspamdVars({ "dkim_signing.conf": policy(broken) }).vars).ok).toBe(false);
});

test("rspamd signs with each active key; mailauth and dkimpy accept every signature against the published records", async () => {
  const rspamd = await startRspamd({ "dkim_signing.conf": policy(out) });
  try {
    const records = desiredRecords(loadConfig(p.config), Lock.read(p.lock));
    const only = (name: string) => ({ txt: { [name]: [[...records.find((r) => r.name === name)!.strings]] } });
    for (const [domain, selectors] of [
      ["example.com", ["s1", "e1"]],
      ["news.example.com", ["n1"]],
    ] as const) {
      const signed = rspamd.sign(sampleMessage(domain)).replace(/\r?\n/g, "\r\n");
      const sigs = [...signed.matchAll(/^DKIM-Signature:[\s\S]*?(?=\r\n\S)/gim)].map((m) => m[0]);
      expect(sigs.map((s) => /\bs=([^;\s]+)/.exec(s)![1]).sort()).toEqual([...selectors].sort());
      for (const s of sigs) expect(s).toMatch(new RegExp(`\\bd=${domain.replace(/\./g, "\\.")};`));
      for (const selector of selectors) {
        // Only this selector's record is published: the check passes on its signature alone.
        const lookup = only(`${selector}._domainkey.${domain}`);
        expect(await mailauthVerify(signed, lookup, { domain })).toEqual({ ok: true, detail: expect.any(String) });
      }
      // dkimpy checks the first signature, against every record.
      const all = { txt: Object.fromEntries(records.map((r) => [r.name, [[...r.strings]]])) };
      expect((await dkimpyVerify(signed, all, { domain })).ok).toBe(true);
      const tampered = signed.replace("\r\n\r\n", "\r\n\r\nX");
      expect((await mailauthVerify(tampered, all, { domain })).ok).toBe(false);
    }
  } finally {
    await rspamd.stop();
  }
});

test("the export's key files are what rspamd reads, and the summary holds no key", async () => {
  const pems = ["example.com/s1", "example.com/e1", "news.example.com/n1"].map((k) => readFileSync(join(p.store, `${k}.pem`), "utf8"));
  expect(readFileSync(join(out, "keys", "example.com", "s1.key"), "utf8")).toBe(pems[0]);
  // Ed25519: rspamd's own form, base64 of the 32-byte seed and the 32-byte public key.
  expect(Buffer.from(readFileSync(join(out, "keys", "example.com", "e1.key"), "utf8").trim(), "base64")).toHaveLength(64);
  expect(findSecrets(readFileSync(join(out, "dkim_signing.conf"), "utf8"), pems)).toEqual([]);
});

test("a pending key is exported for the switch, but only active keys sign", async () => {
  const q = tempProject(`version: 1
zones:
  example.org: { provider: route53 }
domains:
  example.org: { rotation: { keys: [ed25519], publishAhead: 2d } }
`);
  const exportAt = async (now: string) => {
    expect((await dkimctl("rotate", "--config", q.config, "--now", now)).code).toBe(0);
    const dir = join(tempDir(), "rspamd");
    expect((await dkimctl("export", "--format", "rspamd", "--out", dir, "--config", q.config)).code).toBe(0);
    return { conf: readFileSync(join(dir, "dkim_signing.conf"), "utf8"), key: readFileSync(join(dir, "keys", "example.org", "e202601a.key"), "utf8") };
  };
  const pending = await exportAt("2026-01-01T00:00:00Z");
  expect(pending.key).toMatch(/^[A-Za-z0-9+/]{86}==\n$/);
  expect(pending.conf).not.toContain("e202601a");
  expect((await exportAt("2026-01-03T00:00:00Z")).conf).toContain('selector: "e202601a"');
});

test("without --signer-dir, dkim_signing.conf names the key files relative to the export, never by the machine path of --out", async () => {
  const dir = join(tempDir(), "rspamd-default");
  expect((await dkimctl("export", "--format", "rspamd", "--out", dir, "--config", p.config)).code).toBe(0);
  const conf = readFileSync(join(dir, "dkim_signing.conf"), "utf8");
  expect(conf).not.toContain(dir);
  expect(conf).toContain('{ path: "keys/example.com/s1.key"; selector: "s1"; }');
  expect(conf).toContain('#   .include "dkim_signing.conf"');
  expect(conf).toContain(
    "# Key files are named relative to the export's directory (the one holding keys/): rspamd would look for them from its own working directory.\n" +
      "# Export again with --signer-dir DIR, DIR being where this directory will be on the signer (e.g. --signer-dir /etc/dkimkeys).\n",
  );
  // With --signer-dir: the signer's paths, and still nothing of --out.
  const at = join(tempDir(), "rspamd-signer");
  expect((await dkimctl("export", "--format", "rspamd", "--out", at, "--signer-dir", "/etc/rspamd/dkim/", "--config", p.config)).code).toBe(0);
  const signer = readFileSync(join(at, "dkim_signing.conf"), "utf8");
  expect(signer).not.toContain(at);
  expect(signer).toContain('{ path: "/etc/rspamd/dkim/keys/example.com/s1.key"; selector: "s1"; }');
});
