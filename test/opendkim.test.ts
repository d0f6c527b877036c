/**
 * `dkimctl export --format opendkim` loaded by OpenDKIM's own tool: Debian's opendkim-testkey
 * (opendkim-tools 2.11) reads the exported key files and KeyTable (through the exported
 * opendkim.conf) and checks each private key against the record it looks up in DNS.
 *
 * DNS: opendkim-testkey resolves with libunbound. Its config file (-x) honours `Nameservers`, a
 * comma-separated list handed to unbound as forwarders, and unbound accepts `ADDR@PORT` there, so
 * `Nameservers 127.0.0.1@PORT` sends every query to the knotd of test/support/dns-server.ts on an
 * unprivileged port: no root, no port 53, no /etc/resolv.conf change. (`ResolverConfiguration FILE`
 * with an unbound.conf `forward-zone` works as well.) A pass proves the answer came from knotd: the
 * real DNS has none of these keys.
 *
 * opendkim-testkey exit status: with -d/-s/-k, 0 for a match, 65 (EX_DATAERR) "keys do not match",
 * 69 (EX_UNAVAILABLE) for lookup or key-load errors. In KeyTable mode (-x CONF without -d/-s/-k) it
 * ALWAYS exits 0; the result is only in its output ("key NAME: OK" on stdout with -vvv, failures on
 * stderr, "N keys checked; P pass, F fail" with -v), which is what these tests read.
 *
 * Ed25519: Debian's OpenDKIM 2.11.0~beta2 libopendkim dkim_test_key() is RSA only
 * (EVP_PKEY_get1_RSA), so opendkim-testkey can check an Ed25519 *record* but not an Ed25519 private
 * key; a test below pins that down.
 *
 * A missing opendkim-testkey (or knotd) fails the suite; nothing is skipped.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type DnsServer, startDnsServer, zoneFile } from "./support/dns-server";
import { keyedProject } from "./support/keyed-project";
import { dkimctl, tempDir } from "./support/project";

const TESTKEY = process.env.DKIMCTL_OPENDKIM_TESTKEY || "/usr/sbin/opendkim-testkey";

function assertTestkey(): void {
  try {
    accessSync(TESTKEY, constants.X_OK);
  } catch {
    throw new Error(
      `opendkim-testkey not found or not executable at ${TESTKEY}: install Debian's OpenDKIM tools with ` +
        `'apt-get install opendkim-tools' (or point DKIMCTL_OPENDKIM_TESTKEY at the binary)`,
    );
  }
}

const YAML = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.com:
    selectors:
      r1024: { key: rsa-1024 }
      r2048: {}
      r3072: { key: rsa-3072 }
      r4096: { key: rsa-4096 }
      ed: { key: ed25519 }
  news.example.com:
    selectors:
      t1: { testing: true }
  example.org:
    selectors:
      s1: { key: rsa-2048 }
      e1: { key: ed25519 }
      cn: { cname: cn.dkim.esp.example.net }
`;

interface KeyTableEntry {
  /** The KeyTable key name (dkimctl uses the record name). */
  name: string;
  domain: string;
  selector: string;
  file: string;
}

interface JsonRecord {
  zone: string;
  name: string;
  type: "TXT" | "CNAME";
  ttl: number;
  value: string;
  strings: string[];
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let projectDir: string | undefined;
let exportRoot: string | undefined;
let exportDir: string;
let work: string | undefined;
let entries: KeyTableEntry[];
let records: JsonRecord[];
let dns: DnsServer | undefined;
/** -x config: the exported opendkim.conf plus the test's resolver. */
let conf: string;

const ed25519 = new Set(["example.com/ed", "example.org/e1"]);
const isEd = (e: { domain: string; selector: string }) => ed25519.has(`${e.domain}/${e.selector}`);

function testkey(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(TESTKEY, args, { timeout: 30_000, cwd }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === "string") {
        reject(new Error(`cannot run ${TESTKEY}: ${err.message}: apt-get install opendkim-tools`));
        return;
      }
      if (err?.killed) {
        reject(new Error(`${TESTKEY} ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      const code = err ? Number((err as { code?: unknown }).code) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

/** The zones as master files, TXT records with exactly the published character-strings. */
function zones(recs: JsonRecord[]) {
  const byZone = new Map<string, JsonRecord[]>();
  for (const r of recs) byZone.set(r.zone, [...(byZone.get(r.zone) ?? []), r]);
  return [...byZone].map(([zone, rs]) => ({
    name: zone,
    zoneFile: zoneFile(
      zone,
      rs.map((r) =>
        r.type === "TXT"
          ? { name: `${r.name}.`, type: "TXT" as const, ttl: r.ttl, strings: r.strings }
          : { name: `${r.name}.`, type: "CNAME" as const, ttl: r.ttl, value: r.value },
      ),
    ),
  }));
}

/** KeyTable lines; `paths`: absolute (exported with --signer-dir) or relative (the default). */
function parseKeyTable(text: string, paths: "absolute" | "relative" = "absolute"): KeyTableEntry[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((line) => {
      const m = (paths === "absolute" ? /^(\S+)\s+([^:\s]+):([^:\s]+):(\/\S+)$/ : /^(\S+)\s+([^:\s]+):([^:\s]+):([^/\s]\S*)$/).exec(line);
      if (!m) throw new Error(`KeyTable line not in 'name domain:selector:${paths === "absolute" ? "/path" : "path"}' form: ${JSON.stringify(line)}`);
      return { name: m[1], domain: m[2], selector: m[3], file: m[4] };
    });
}

/** Per key name: "OK", or the error opendkim-testkey printed for it (KeyTable mode). */
function keyTableResults(r: Run): { results: Record<string, string>; checked: number; pass: number; fail: number } {
  const results: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^opendkim-testkey: key (\S+): OK$/gm)) results[m[1]] = "OK";
  for (const m of r.stderr.matchAll(/^opendkim-testkey: key (\S+): (.+)$/gm)) results[m[1]] = m[2];
  const summary = /(\d+) keys? checked; (\d+) pass, (\d+) fail/.exec(r.stdout);
  if (!summary) throw new Error(`no summary line from opendkim-testkey\n${show(r)}`);
  return { results, checked: Number(summary[1]), pass: Number(summary[2]), fail: Number(summary[3]) };
}

beforeAll(async () => {
  assertTestkey();
  const project = await keyedProject(YAML);
  projectDir = project.dir;
  exportRoot = tempDir("dkimctl-opendkim-");
  exportDir = join(exportRoot, "export");
  // This machine is the test's signer, and the export stays where it was written: --signer-dir is that directory.
  const ex = await dkimctl("export", "--format", "opendkim", "--out", exportDir, "--signer-dir", exportDir, "--config", project.config);
  if (ex.code !== 0) throw new Error(`dkimctl export failed: ${ex.err}`);
  const rec = await dkimctl("records", "--format", "json", "--config", project.config);
  if (rec.code !== 0) throw new Error(`dkimctl records failed: ${rec.err}`);
  records = JSON.parse(rec.out) as JsonRecord[];
  entries = [
    ...parseKeyTable(readFileSync(join(exportDir, "KeyTable"), "utf8")),
    ...parseKeyTable(readFileSync(join(exportDir, "ed25519", "KeyTable"), "utf8")),
  ];

  dns = await startDnsServer(zones(records));
  work = tempDir("dkimctl-opendkim-conf-");
  conf = join(work, "testkey.conf");
  writeFileSync(conf, `Include ${join(exportDir, "opendkim.conf")}\nNameservers ${dns.host}@${dns.port}\n`);
}, 60_000);

afterAll(async () => {
  await dns?.stop();
  // Private keys live in these: do not leave them in the temp directory.
  for (const dir of [projectDir, exportRoot, work]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test("opendkim-testkey is installed (Debian opendkim-tools)", () => {
  expect(() => assertTestkey()).not.toThrow();
});

test("export writes KeyTable, SigningTable, opendkim.conf and a 0600 key file per generated selector", () => {
  const generated = [
    "example.com/ed",
    "example.com/r1024",
    "example.com/r2048",
    "example.com/r3072",
    "example.com/r4096",
    "example.org/e1",
    "example.org/s1",
    "news.example.com/t1",
  ];
  expect(entries.map((e) => `${e.domain}/${e.selector}`).sort()).toEqual(generated);
  for (const e of entries) {
    expect(e.name).toBe(`${e.selector}._domainkey.${e.domain}`);
    expect(e.file).toBe(join(exportDir, "keys", e.domain, `${e.selector}.private`));
    expect((statSync(e.file).mode & 0o777).toString(8)).toBe("600");
    expect(readFileSync(e.file, "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-{5}\n/);
  }
  // RSA keys in the top-level tables; Ed25519 keys in ed25519/ with SignatureAlgorithm ed25519-sha256
  // (OpenDKIM signs with one algorithm per instance).
  for (const [sub, group] of [
    ["", entries.filter((e) => !isEd(e))],
    ["ed25519", entries.filter(isEd)],
  ] as const) {
    expect(
      parseKeyTable(readFileSync(join(exportDir, sub, "KeyTable"), "utf8"))
        .map((e) => e.name)
        .sort(),
    ).toEqual(group.map((e) => e.name).sort());
    const signing = readFileSync(join(exportDir, sub, "SigningTable"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(signing.sort()).toEqual(group.map((e) => `${e.domain} ${e.name}`).sort());
    const lines = readFileSync(join(exportDir, sub, "opendkim.conf"), "utf8").split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        `KeyTable file:${join(exportDir, sub, "KeyTable")}`,
        `SigningTable file:${join(exportDir, sub, "SigningTable")}`,
        "MultipleSignatures yes",
      ]),
    );
    expect(lines.includes("SignatureAlgorithm ed25519-sha256")).toBe(sub === "ed25519");
  }
  for (const f of ["KeyTable", "SigningTable", "opendkim.conf"]) expect((statSync(join(exportDir, f)).mode & 0o777).toString(8)).toBe("600");
});

describe("opendkim-testkey -d DOMAIN -s SELECTOR -k KEYFILE accepts every exported RSA key", () => {
  test.each(["example.com/r1024", "example.com/r2048", "example.com/r3072", "example.com/r4096", "news.example.com/t1", "example.org/s1"])("%s", async (id) => {
    const e = entries.find((x) => `${x.domain}/${x.selector}` === id)!;
    const r = await testkey(["-x", conf, "-d", e.domain, "-s", e.selector, "-k", e.file, "-vvv"]);
    expect({ id, code: r.code, ok: /key OK/.test(r.stdout), output: show(r) }).toMatchObject({ id, code: 0, ok: true });
    expect(r.stderr).toContain(`checking key '${e.name}'`);
    expect(r.stderr).not.toMatch(/unsafe permissions/);
  });
});

test("opendkim-testkey reads the exported KeyTable through the exported opendkim.conf and passes every RSA key", async () => {
  const r = await testkey(["-x", conf, "-vvv"]);
  expect(r.code).toBe(0); // KeyTable mode exits 0 whatever happened: the output is checked below
  const { results, checked, pass, fail } = keyTableResults(r);
  const rsa = entries.filter((x) => !isEd(x));
  expect({ checked, output: checked === rsa.length ? "" : show(r) }).toEqual({ checked: rsa.length, output: "" });
  for (const e of rsa) expect({ key: e.name, result: results[e.name] ?? show(r) }).toEqual({ key: e.name, result: "OK" });
  expect({ pass, fail }).toEqual({ pass: rsa.length, fail: 0 });
  expect(r.stderr).not.toMatch(/unsafe permissions/);
});

describe("mismatches make opendkim-testkey fail", () => {
  test("-k with another selector's key: 'keys do not match' (exit 65)", async () => {
    const target = entries.find((e) => e.domain === "example.com" && e.selector === "r2048")!;
    const other = entries.find((e) => e.domain === "example.org" && e.selector === "s1")!;
    const r = await testkey(["-x", conf, "-d", target.domain, "-s", target.selector, "-k", other.file, "-vvv"]);
    expect({ code: r.code, output: show(r) }).toMatchObject({ code: 65 });
    expect(r.stdout).toContain("keys do not match");
  });

  test("a KeyTable whose key files are swapped: both keys fail in KeyTable mode", async () => {
    const a = entries.find((e) => e.domain === "example.com" && e.selector === "r2048")!;
    const b = entries.find((e) => e.domain === "example.com" && e.selector === "r3072")!;
    const table = join(work!, "KeyTable.swapped");
    writeFileSync(table, `${a.name} ${a.domain}:${a.selector}:${b.file}\n${b.name} ${b.domain}:${b.selector}:${a.file}\n`, { mode: 0o600 });
    const swappedConf = join(work!, "swapped.conf");
    writeFileSync(swappedConf, `KeyTable file:${table}\nNameservers ${dns!.host}@${dns!.port}\n`);
    const r = await testkey(["-x", swappedConf, "-vvv"]);
    const { results, checked, pass, fail } = keyTableResults(r);
    expect({ checked, pass, fail }).toEqual({ checked: 2, pass: 0, fail: 2 });
    expect(results).toEqual({ [a.name]: "keys do not match", [b.name]: "keys do not match" });
  });

  test("a published record whose p= was corrupted: 'keys do not match'", async () => {
    const e = entries.find((x) => x.domain === "example.org" && x.selector === "s1")!;
    const corrupted = records.map((r) => {
      if (r.name !== e.name) return r;
      const all = r.strings.join("");
      const at = all.indexOf("p=") + 2 + Math.floor((all.length - all.indexOf("p=") - 2) / 2);
      const value = all.slice(0, at) + (all[at] === "A" ? "B" : "A") + all.slice(at + 1);
      return { ...r, value, strings: [value.slice(0, 255), value.slice(255)].filter((s) => s !== "") };
    });
    await dns!.reload(zones(corrupted));
    try {
      const r = await testkey(["-x", conf, "-d", e.domain, "-s", e.selector, "-k", e.file, "-vvv"]);
      expect({ code: r.code, output: show(r) }).toMatchObject({ code: 65 });
      expect(r.stdout).toContain("keys do not match");
    } finally {
      await dns!.reload(zones(records));
    }
    const again = await testkey(["-x", conf, "-d", e.domain, "-s", e.selector, "-k", e.file, "-vvv"]);
    expect({ code: again.code, output: show(again) }).toMatchObject({ code: 0 });
  });

  test("no record published for the selector: 'record not found' (exit 69)", async () => {
    const e = entries.find((x) => x.domain === "example.com" && x.selector === "r1024")!;
    const r = await testkey(["-x", conf, "-d", e.domain, "-s", "unpublished", "-k", e.file, "-vvv"]);
    expect({ code: r.code, output: show(r) }).toMatchObject({ code: 69 });
    expect(r.stderr).toContain("'unpublished._domainkey.example.com' record not found");
  });
});

test("Ed25519 with Debian's OpenDKIM 2.11: the record checks, the PKCS#8 Ed25519 private key cannot be tested (RSA only)", async () => {
  for (const e of entries.filter(isEd)) {
    // Record only (no -k): OpenDKIM parses the published k=ed25519 record and accepts it.
    const record = await testkey(["-x", conf, "-d", e.domain, "-s", e.selector, "-vvv"]);
    expect({ key: e.name, code: record.code, ok: /key OK/.test(record.stdout), output: show(record) }).toMatchObject({ key: e.name, code: 0, ok: true });
    // With the exported key: PEM_read_bio_PrivateKey reads the PKCS#8 file, then dkim_test_key() asks
    // OpenSSL for an RSA key and fails. If this starts passing, OpenDKIM learnt Ed25519 key tests:
    // move the Ed25519 keys into the "accepts every exported key" tests.
    const withKey = await testkey(["-x", conf, "-d", e.domain, "-s", e.selector, "-k", e.file, "-vvv"]);
    expect({ key: e.name, code: withKey.code }).toEqual({ key: e.name, code: 69 });
    expect(withKey.stderr).toContain("EVP_PKEY_get1_RSA() failed");
    expect(withKey.stderr).not.toContain("PEM_read_bio_PrivateKey() failed");
  }
});

describe("without --signer-dir: no machine path of --out, paths relative to the export", () => {
  let plain: string;
  beforeAll(async () => {
    plain = join(exportRoot!, "plain");
    const ex = await dkimctl("export", "--format", "opendkim", "--out", plain, "--config", join(projectDir!, "domains.yaml"));
    if (ex.code !== 0) throw new Error(`dkimctl export failed: ${ex.err}`);
  });

  test("KeyTable, SigningTable and opendkim.conf name no path of this machine, and KeyTable says to pass --signer-dir", () => {
    for (const f of ["KeyTable", "SigningTable", "opendkim.conf", "ed25519/KeyTable", "ed25519/opendkim.conf"])
      expect({ f, machinePath: readFileSync(join(plain, f), "utf8").includes(exportRoot!) }).toEqual({ f, machinePath: false });
    const table = readFileSync(join(plain, "KeyTable"), "utf8");
    expect(table.split("\n").slice(1, 3)).toEqual([
      "# Key files are named relative to the export's directory (the one holding keys/): " +
        "OpenDKIM reads a key file only by an absolute path (it takes any other value for the key itself).",
      "# Export again with --signer-dir DIR, DIR being where this directory will be on the signer (e.g. --signer-dir /etc/dkimkeys).",
    ]);
    const relative = parseKeyTable(table, "relative");
    expect(relative.map((e) => e.file).sort()).toEqual(
      entries
        .filter((e) => !isEd(e))
        .map((e) => `keys/${e.domain}/${e.selector}.private`)
        .sort(),
    );
    expect(readFileSync(join(plain, "ed25519", "opendkim.conf"), "utf8")).toContain("KeyTable file:ed25519/KeyTable\n");
  });

  test("as the note says, OpenDKIM cannot use the relative KeyTable as is, even run from the export's directory: --signer-dir is needed", async () => {
    const rel = join(work!, "relative.conf");
    writeFileSync(rel, `Include ${join(plain, "opendkim.conf")}\nNameservers ${dns!.host}@${dns!.port}\n`);
    const r = await testkey(["-x", rel, "-vvv"], plain);
    // It finds the tables (relative to its working directory) but takes each key file's name for key data.
    const { checked, pass, fail } = keyTableResults(r);
    const rsa = entries.filter((x) => !isEd(x)).length;
    expect({ checked, pass, fail }).toEqual({ checked: rsa, pass: 0, fail: rsa });
    expect(r.stderr).toContain("key r2048._domainkey.example.com: PEM_read_bio_PrivateKey() failed");
  });

  test("--signer-dir names the signer's directory: only there, never --out", async () => {
    const at = join(exportRoot!, "for-signer");
    const ex = await dkimctl("export", "--format", "opendkim", "--out", at, "--signer-dir", "/etc/dkimkeys", "--config", join(projectDir!, "domains.yaml"));
    expect(ex.code).toBe(0);
    const table = readFileSync(join(at, "KeyTable"), "utf8");
    expect(table).not.toContain(exportRoot!);
    expect(table).toContain("r2048._domainkey.example.com example.com:r2048:/etc/dkimkeys/keys/example.com/r2048.private\n");
    expect(readFileSync(join(at, "ed25519", "opendkim.conf"), "utf8")).toContain("KeyTable file:/etc/dkimkeys/ed25519/KeyTable\n");
  });

  test.each([
    [["--signer-dir", "etc/dkimkeys"], "error: --signer-dir must be an absolute path on the signer, e.g. /etc/dkimkeys, not 'etc/dkimkeys'"],
    [["--signer-dir", "/etc/dkim keys"], "error: --signer-dir must not hold spaces, colons, quotes, backslashes or '#'"],
    [["--format", "pem", "--signer-dir", "/etc/dkimkeys"], "error: --signer-dir applies only to --format opendkim or rspamd: pem files name no other file"],
  ])("dkimctl export %j is a usage error", async (args, message) => {
    const r = await dkimctl("export", "--format", "opendkim", "--out", join(exportRoot!, "refused"), ...args, "--config", join(projectDir!, "domains.yaml"));
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toContain(message);
  });
});
