/**
 * `dkimctl records --format zone` as BIND reads it: each zone's block loads
 * in named-checkzone (bind9-utils), with every record at its name and TTL.
 * Apart from test/cli.test.ts, which needs no external tool (npm run test:unit).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dkimctl, tempDir, tempProject } from "./support/project";

/** A 2048-bit RSA key (two strings), an Ed25519 key and a CNAME, in a Route53 and a Cloudflare zone. */
const YAML = `version: 1
defaults: { key: ed25519 }
zones:
  example.com: { provider: route53 }
  example.org: { provider: cloudflare, zoneId: 023e105f4ecef8ad9ca31a8372d0c353 }
domains:
  example.com: { selectors: { s1: { key: rsa-2048 }, e1: {} } }
  example.org: { selectors: { s1: { cname: s1.domainkey.u1234.wl.sendgrid.net }, e1: {} } }
`;

test("zone: loads in named-checkzone (BIND's zone checker)", async () => {
  const p = tempProject(YAML);
  expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
  const r = await dkimctl("records", "--format", "zone", "--config", p.config);
  const dir = tempDir();
  const blocks = r.out.split(/\n(?=; zone )/);
  expect(blocks).toHaveLength(2);
  for (const block of blocks) {
    const zone = /\$ORIGIN (\S+)\./.exec(block)![1];
    const file = join(dir, `${zone}.zone`);
    writeFileSync(file, `$TTL 3600\n@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 7200 3600 1209600 3600\n@ IN NS ns1.${zone}.\nns1 IN A 127.0.0.1\n${block}`);
    const check = spawnSync("named-checkzone", ["-i", "full", zone, file], { encoding: "utf8" });
    if (check.error) throw new Error("named-checkzone is missing: apt-get install bind9-utils");
    expect(`${check.stdout}${check.stderr}`).toMatch(/OK/);
    expect(check.status).toBe(0);
    const dump = spawnSync("named-checkzone", ["-D", "-o", "-", zone, file], { encoding: "utf8" }).stdout;
    expect(dump).toMatch(new RegExp(`s1\\._domainkey\\.${zone.replace(/\./g, "\\.")}\\.\\s+3600\\s+IN\\s+(TXT|CNAME)`));
  }
});
