/**
 * The deploy -> no drift -> destroy cycle once more, against an emulator
 * nobody here wrote: moto's server, with zone ids as moto issues them (no
 * leading 'Z'; one pasted as `/hostedzone/<id>`, as the AWS CLI prints it).
 * The project's own Route53 stand-in (deploy-e2e) stays for the rules moto
 * does not enforce.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseQuotedTxt } from "../src/dkim/txt";
import { cdktfProject, destroyStacks, projectCommand, stackBlocks } from "./support/cdktf-project";
import { MotoServer, requireMoto } from "./support/moto";
import { dkimctl } from "./support/project";
import type { RecordSet } from "./support/route53-endpoint";
import { findSecrets, scanTree } from "./support/secrets";
import { requireTerraform, terraformEnv } from "./support/terraform";

jest.setTimeout(300_000);

const yaml = (com: string, net: string) => `version: 1
zones:
  example.com: { provider: route53, zoneId: "${com}" }
  example.net: { provider: route53, zoneId: "/hostedzone/${net}" }
domains:
  example.com:
    selectors:
      s1: {}
      e1: { key: ed25519 }
  news.example.com:
    selectors:
      s1: { testing: true, ttl: 600 }
  example.net:
    selectors:
      del: { cname: del.dkim.provider.example }
`;

interface Published {
  zone: string;
  name: string;
  type: string;
  ttl: number;
  value: string;
  strings: string[];
}

let moto: MotoServer;
let project: ReturnType<typeof cdktfProject>;
let env: NodeJS.ProcessEnv;
const zones: Record<string, string> = {};
const baseline = new Map<string, RecordSet[]>();

const deploy = (...stacks: string[]) => projectCommand(["deploy", ...stacks, "--auto-approve"], { cwd: project.dir, env });
const outcome = (r: { code: number; out: string }) => ({ code: r.code, out: r.code === 0 ? "" : `${r.out}\nmoto's log:\n${moto.logTail()}` });

/** What dkimctl says it publishes. */
async function wanted(): Promise<Published[]> {
  const rs = JSON.parse((await dkimctl("records", "--format", "json", "--config", project.config)).out) as Published[];
  return rs.map(({ zone, name, type, ttl, value, strings }) => ({ zone, name, type, ttl, value, strings }));
}

/** What moto serves, other than the zone's own SOA and NS, in dkimctl's terms. */
async function served(): Promise<Published[]> {
  const out: Published[] = [];
  for (const [zone, id] of Object.entries(zones)) {
    for (const r of await moto.records(id)) {
      if (r.type === "SOA" || r.type === "NS") continue;
      const strings = r.type === "TXT" ? parseQuotedTxt(r.values[0]) : [];
      const value = r.type === "TXT" ? strings.join("") : r.values[0].replace(/\.$/, "");
      out.push({ zone, name: r.name.replace(/\.$/, ""), type: r.type, ttl: r.ttl, value, strings });
    }
  }
  return out.sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name));
}

beforeAll(async () => {
  requireTerraform();
  requireMoto();
  moto = await MotoServer.start();
  for (const zone of ["example.com", "example.net"]) zones[zone] = await moto.createZone(zone);
  for (const id of Object.values(zones)) baseline.set(id, await moto.records(id));
  project = cdktfProject(yaml(zones["example.com"], zones["example.net"]));
  const k = await dkimctl("keys", "--config", project.config);
  expect(k.code).toBe(0);
  env = terraformEnv(moto.env());
});
afterAll(() => moto?.stop());

test("validate takes the zone ids as moto issues them, and drops a pasted /hostedzone/ with a warning", async () => {
  for (const id of Object.values(zones)) expect(id).toMatch(/^[A-Z0-9]{1,32}$/);
  const v = await dkimctl("validate", "--config", project.config);
  expect(v.code).toBe(0);
  expect(v.err).toContain(`'/hostedzone/' is the resource path, not part of the zone id: dkimctl uses ${zones["example.net"]}`);
});

test("dkimctl deploy publishes exactly dkimctl's records at moto", async () => {
  expect(outcome(await deploy())).toEqual({ code: 0, out: "" });
  const published = await served();
  expect(published).toEqual(await wanted());
  // RSA 2048 as two character-strings, Ed25519 as one, the CNAME as given.
  expect(published.map((r) => [r.name, r.type, r.strings.length])).toEqual([
    ["e1._domainkey.example.com", "TXT", 1],
    ["s1._domainkey.example.com", "TXT", 2],
    ["s1._domainkey.news.example.com", "TXT", 2],
    ["del._domainkey.example.net", "CNAME", 0],
  ]);
});

test("an immediate dkimctl plan of each stack reports no changes, and no private key reached state or cdktf.out", async () => {
  const r = await projectCommand(["plan"], { cwd: project.dir, env });
  expect(r.code).toBe(0);
  const blocks = stackBlocks(r.out);
  expect(Object.keys(blocks).sort()).toEqual(["example-com", "example-net"]);
  for (const [stack, block] of Object.entries(blocks))
    expect({ stack, noChanges: /No changes\. Your infrastructure matches the configuration\./.test(block) }).toEqual({ stack, noChanges: true });
  const store = join(project.dir, ".dkim", "keys");
  const pems = readdirSync(store, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => readFileSync(join(f.parentPath, f.name), "utf8"));
  expect(pems).toHaveLength(3);
  const states = readdirSync(project.dir).filter((f) => /^terraform\..*\.tfstate$/.test(f));
  expect(states.sort()).toEqual(["terraform.example-com.tfstate", "terraform.example-net.tfstate"]);
  for (const f of states) expect({ f, found: findSecrets(readFileSync(join(project.dir, f), "latin1"), pems) }).toEqual({ f, found: [] });
  expect(scanTree(join(project.dir, "cdktf.out"), pems)).toEqual([]);
});

test("terraform destroy of each stack leaves each zone as it was before the deploy", async () => {
  const failed = await destroyStacks(project.dir, ["example-com", "example-net"], env);
  expect(failed === undefined ? "" : `${failed}\nmoto's log:\n${moto.logTail()}`).toBe("");
  for (const [zone, id] of Object.entries(zones)) expect({ zone, records: await moto.records(id) }).toEqual({ zone, records: baseline.get(id) });
});
