/**
 * The whole chain with real tools: `dkimctl deploy` (the app and Terraform,
 * no cdktf CLI) with the real AWS provider against the Route53 stand-in, no
 * drift on the next plan, edits planned exactly, foreign records not
 * overwritten, `terraform destroy` of each stack removing exactly what was made; then the zones served by a real DNS server (knot), checked
 * by `dkimctl verify` and by two DKIM verifiers.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseQuotedTxt } from "../src/dkim/txt";
import { cdktfProject, destroyStacks, projectCommand, stackBlocks } from "./support/cdktf-project";
import { type DnsServer, startDnsServer } from "./support/dns-server";
import { dkimctl, tempDir } from "./support/project";
import { type LoggedRequest, type RecordSet, Route53Endpoint } from "./support/route53-endpoint";
import { requireTerraform, terraform, terraformEnv } from "./support/terraform";
import { dkimpyVerify, mailauthVerify, signMessage } from "./support/verifiers";
import { findSecrets, scanTree } from "./support/secrets";

jest.setTimeout(600_000);

const PROVIDED = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const YAML = `version: 1
zones:
  example.com: { provider: route53, zoneId: Z0123456789ABCDEFGHIJ }
  example.net: { provider: route53 }
  example.io: { provider: route53, zoneId: Z0IO0000000000000000 }
domains:
  example.com:
    selectors:
      s1: {}
      big: { key: rsa-4096 }
      e1: { key: ed25519 }
  news.example.com:
    selectors:
      s1: { testing: true, ttl: 600 }
  example.net:
    selectors:
      s1: {}
      given: { txt: "${PROVIDED}" }
      del: { cname: del.dkim.provider.example }
  example.io:
    selectors:
      s1: { key: ed25519 }
`;
const ZONES = { "example.com": "Z0123456789ABCDEFGHIJ", "example.net": "", "example.io": "Z0IO0000000000000000" } as Record<string, string>;

interface JsonRecord {
  zone: string;
  name: string;
  type: string;
  ttl: number;
  value: string;
  strings: string[];
}

let endpoint: Route53Endpoint;
let project: ReturnType<typeof cdktfProject>;
let env: NodeJS.ProcessEnv;
const baseline = new Map<string, RecordSet[]>();

const records = async (): Promise<JsonRecord[]> => JSON.parse((await dkimctl("records", "--format", "json", "--config", project.config)).out);
const ours = (zoneId: string) => endpoint.records(zoneId).filter((r) => r.type !== "SOA" && r.type !== "NS");

/** The endpoint's zones as dkimctl's record list: strings parsed back from Route53's stored values. */
function served(): JsonRecord[] {
  return Object.entries(ZONES)
    .flatMap(([zone, id]) =>
      ours(id).map((r) => {
        const strings = r.type === "TXT" ? parseQuotedTxt(r.values[0]) : [];
        return {
          zone,
          name: r.name.replace(/\.$/, ""),
          type: r.type,
          ttl: r.ttl,
          value: r.type === "TXT" ? strings.join("") : r.values[0].replace(/\.$/, ""),
          strings,
        };
      }),
    )
    .sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name));
}

const comparable = (rs: JsonRecord[]) => rs.map(({ zone, name, type, ttl, value, strings }) => ({ zone, name, type, ttl, value, strings }));

function countCalls(since: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of endpoint.requests.filter((x: LoggedRequest) => x.at >= since)) counts[r.action] = (counts[r.action] ?? 0) + 1;
  return counts;
}

/** `terraform plan` of a stack after dkimctl synth wrote it: the planned actions by record name. */
function planActions(stack: string): Record<string, string> {
  const dir = join(project.dir, "cdktf.out", "stacks", stack);
  const e = terraformEnv(endpoint.env());
  const plan = terraform(["plan", "-input=false", "-no-color", "-out=e2e.tfplan"], { cwd: dir, env: e });
  if (plan.status !== 0) throw new Error(plan.stderr + plan.stdout);
  const json = JSON.parse(terraform(["show", "-json", "e2e.tfplan"], { cwd: dir, env: e }).stdout);
  writeFileSync(join(dir, "plan.json"), JSON.stringify(json));
  const out: Record<string, string> = {};
  for (const c of json.resource_changes ?? []) {
    if (c.mode !== "managed" || c.change.actions.join() === "no-op") continue;
    out[(c.change.after ?? c.change.before).name] = c.change.actions.join("+");
  }
  return out;
}

beforeAll(async () => {
  requireTerraform();
  endpoint = await Route53Endpoint.start({ pendingPolls: 0 });
  for (const [zone, id] of Object.entries(ZONES)) ZONES[zone] = endpoint.createZone(zone, id ? { id } : undefined);
  for (const id of Object.values(ZONES)) baseline.set(id, endpoint.records(id));
  project = cdktfProject(YAML);
  const k = await dkimctl("keys", "--config", project.config);
  expect(k.code).toBe(0);
  env = terraformEnv(endpoint.env());
});
afterAll(() => endpoint?.stop());

let deployCalls: Record<string, number>;

test("dkimctl deploy publishes exactly dkimctl's records", async () => {
  const start = Date.now();
  const r = await projectCommand(["deploy", "--auto-approve"], { cwd: project.dir, env });
  expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
  expect(comparable(served())).toEqual(comparable(await records()));
  // RSA 2048 is two character-strings at Route53, RSA 4096 three, Ed25519 one.
  const byName = new Map(served().map((x) => [x.name, x]));
  expect(byName.get("s1._domainkey.example.com")!.strings).toHaveLength(2);
  expect(byName.get("big._domainkey.example.com")!.strings).toHaveLength(3);
  expect(byName.get("e1._domainkey.example.com")!.strings).toHaveLength(1);
  deployCalls = countCalls(start);
  // The provider sends one change batch per record, and waits for each change to be INSYNC.
  expect(deployCalls.ChangeResourceRecordSets).toBe(served().length);
  expect(deployCalls.GetChange).toBe(served().length);
});

test("an immediate dkimctl plan of every stack reports no changes (no perpetual diff)", async () => {
  const start = Date.now();
  const r = await projectCommand(["plan"], { cwd: project.dir, env });
  expect(r.code).toBe(0);
  const blocks = stackBlocks(r.out);
  expect(Object.keys(blocks).sort()).toEqual(["example-com", "example-io", "example-net"]);
  for (const [stack, block] of Object.entries(blocks))
    expect({ stack, noChanges: /No changes\. Your infrastructure matches the configuration\./.test(block) }).toEqual({ stack, noChanges: true });
  const calls = countCalls(start);
  expect(calls.ChangeResourceRecordSets).toBeUndefined();
  // No private key in the Terraform state, the synthesized stacks or what Terraform left beside them.
  const store = join(project.dir, ".dkim", "keys");
  const pems = readdirSync(store, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => readFileSync(join(f.parentPath, f.name), "utf8"));
  expect(pems.length).toBe(6);
  const states = readdirSync(project.dir).filter((f) => /^terraform\..*\.tfstate$/.test(f));
  expect(states.sort()).toEqual(["terraform.example-com.tfstate", "terraform.example-io.tfstate", "terraform.example-net.tfstate"]);
  for (const f of states) expect({ f, found: findSecrets(readFileSync(join(project.dir, f), "latin1"), pems) }).toEqual({ f, found: [] });
  expect(scanTree(join(project.dir, "cdktf.out"), pems)).toEqual([]);
  console.log(`API calls, deploy of ${(await records()).length} records: ${JSON.stringify(deployCalls)}; no-change plan of 3 stacks: ${JSON.stringify(calls)}`);
});

describe("served by a real DNS server", () => {
  let dns: DnsServer;
  const zoneFiles = () => Object.entries(ZONES).map(([name, id]) => ({ name, zoneFile: endpoint.zoneFile(id) }));
  beforeAll(async () => {
    dns = await startDnsServer(zoneFiles());
  });
  afterAll(() => dns?.stop());

  test("dkimctl verify finds every record ok, through a resolver and asking the authoritative server", async () => {
    const r = await dkimctl("verify", "--config", project.config, "--resolver", dns.address, "--format", "json");
    const checks = (JSON.parse(r.out) as { records: { name: string; status: string }[] }).records;
    expect(checks.map((c) => c.status)).toEqual(Array(served().length).fill("ok"));
    expect(r.code).toBe(0);
    // Each zone's Route53 name servers, reached at the knot server.
    const pins = Object.values(ZONES).flatMap((id) =>
      endpoint
        .records(id)
        .filter((x) => x.type === "NS")
        .flatMap((x) => x.values.map((ns) => ["--ns-address", `${ns.replace(/\.$/, "")}=${dns.address}`])),
    );
    expect(pins.length).toBeGreaterThan(0);
    const a = await dkimctl("verify", "--config", project.config, "--resolver", dns.address, "--authoritative", ...pins.flat());
    expect({ code: a.code, out: a.code === 0 ? "" : a.out + a.err }).toEqual({ code: 0, out: "" });
  });

  test("signatures made with the exported keys verify in mailauth and dkimpy against the served DNS; a wrong key does not", async () => {
    const out = tempDir();
    expect((await dkimctl("export", "--format", "pem", "--out", out, "--config", project.config)).code).toBe(0);
    const lookup = { dns: { host: dns.host, port: dns.port } };
    for (const [domain, selector, algorithm] of [
      ["example.com", "s1", "rsa"],
      ["example.com", "big", "rsa"],
      ["example.com", "e1", "ed25519"],
      ["news.example.com", "s1", "rsa"],
      ["example.io", "s1", "ed25519"],
    ] as const) {
      const privateKeyPem = readFileSync(join(out, domain, `${selector}.pem`), "utf8");
      const signed = await signMessage({ privateKeyPem, domain, selector, algorithm });
      for (const verify of [mailauthVerify, dkimpyVerify])
        expect({ domain, selector, ok: (await verify(signed, lookup)).ok }).toEqual({ domain, selector, ok: true });
    }
    const wrong = await signMessage({
      privateKeyPem: readFileSync(join(out, "example.net", "s1.pem"), "utf8"),
      domain: "example.com",
      selector: "s1",
      algorithm: "rsa",
    });
    for (const verify of [mailauthVerify, dkimpyVerify]) expect((await verify(wrong, lookup)).ok).toBe(false);
  });

  test("verify fails for a changed key, a second TXT record and a missing record in the served zone", async () => {
    const id = ZONES["example.com"];
    const s1 = endpoint.records(id).find((r) => r.name === "s1._domainkey.example.com.")!;
    const e1 = endpoint.records(id).find((r) => r.name === "e1._domainkey.example.com.")!;
    endpoint.putRecord(id, { ...s1, values: [endpoint.records(id).find((r) => r.name === "big._domainkey.example.com.")!.values[0]] });
    endpoint.putRecord(id, { ...e1, values: [...e1.values, '"v=DKIM1; k=ed25519; p="'] });
    endpoint.deleteRecord(id, "s1._domainkey.news.example.com.", "TXT");
    await dns.reload(zoneFiles());
    try {
      const r = await dkimctl("verify", "--config", project.config, "--resolver", dns.address, "--zone", "example.com", "--format", "json");
      expect(r.code).toBe(1);
      const status = Object.fromEntries((JSON.parse(r.out) as { records: { name: string; status: string }[] }).records.map((c) => [c.name, c.status]));
      expect(status).toEqual({
        "big._domainkey.example.com": "ok",
        "e1._domainkey.example.com": "duplicate",
        "s1._domainkey.example.com": "different",
        "s1._domainkey.news.example.com": "missing",
      });
    } finally {
      endpoint.putRecord(id, s1);
      endpoint.putRecord(id, e1);
    }
    // The next deploy puts the deleted record back (its state still has it); the rest is repaired by hand above.
    const d = await projectCommand(["deploy", "example-com", "--auto-approve"], { cwd: project.dir, env });
    expect(d.code).toBe(0);
    expect(comparable(served())).toEqual(comparable(await records()));
  });
});

test("an edit of domains.yaml (add a selector, change a TTL, remove a domain) plans exactly that, and deploys it", async () => {
  const edited = YAML.replace("      e1: { key: ed25519 }\n", "      e1: { key: ed25519 }\n      s2: {}\n")
    .replace("s1: { testing: true, ttl: 600 }", "s1: { testing: true, ttl: 300 }")
    .replace("  example.io:\n    selectors:\n      s1: { key: ed25519 }\n", "");
  expect(edited).not.toBe(YAML);
  writeFileSync(project.config, edited);
  expect((await dkimctl("keys", "--config", project.config)).out).toContain("generated rsa-2048 key for example.com/s2");
  const synth = await projectCommand(["synth"], { cwd: project.dir, env });
  expect(synth.code).toBe(0);
  expect(planActions("example-com")).toEqual({ "s2._domainkey.example.com": "create", "s1._domainkey.news.example.com": "update" });
  expect(planActions("example-net")).toEqual({});
  expect(planActions("example-io")).toEqual({ "s1._domainkey.example.io": "delete" });
  for (const stack of ["example-com", "example-io"]) {
    const check = await dkimctl("check-plan", join(project.dir, "cdktf.out", "stacks", stack, "plan.json"), "--config", project.config);
    expect({ stack, code: check.code }).toEqual({ stack, code: 0 });
  }
  const r = await projectCommand(["deploy", "--auto-approve"], { cwd: project.dir, env });
  expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
  expect(comparable(served())).toEqual(comparable(await records()));
  expect(ours(ZONES["example.io"])).toEqual([]);
});

test("a record already in the zone but not in Terraform's state is not overwritten; adopt: true takes it over", async () => {
  const id = ZONES["example.net"];
  const foreign: RecordSet = { name: "s3._domainkey.example.net.", type: "TXT", ttl: 300, values: ['"v=DKIM1; k=rsa; p=from-another-tool"'] };
  endpoint.putRecord(id, foreign);
  const text = readFileSync(project.config, "utf8").replace(
    "      del: { cname: del.dkim.provider.example }\n",
    "      del: { cname: del.dkim.provider.example }\n      s3: {}\n",
  );
  writeFileSync(project.config, text);
  await dkimctl("keys", "--config", project.config);
  expect((await projectCommand(["synth"], { cwd: project.dir, env })).code).toBe(0);
  expect(planActions("example-net")).toEqual({ "s3._domainkey.example.net": "create" });
  const check = await dkimctl("check-plan", join(project.dir, "cdktf.out", "stacks", "example-net", "plan.json"), "--config", project.config);
  expect(check.code).toBe(1);
  expect(check.err).toContain(
    "the plan creates s3._domainkey.example.net, but the zone already has a record there that this stack did not create, " +
      "and Route53 refuses to overwrite it. To take it over (its value becomes the one dkimctl publishes), " +
      "set 'adopt: true' on selector s3 of example.net in domains.yaml",
  );
  const r = await projectCommand(["deploy", "example-net", "--auto-approve"], { cwd: project.dir, env });
  expect(r.code).not.toBe(0);
  expect(r.out).toMatch(
    /InvalidChangeBatch: \[Tried to create resource record set \[name='s3\._domainkey\.example\.net\.', type='TXT'\] but it already exists\]/,
  );
  expect(endpoint.records(id).find((x) => x.name === foreign.name)).toEqual(foreign);

  writeFileSync(project.config, text.replace("      s3: {}\n", "      s3: { adopt: true }\n"));
  const adopt = await projectCommand(["deploy", "example-net", "--auto-approve"], { cwd: project.dir, env });
  expect({ code: adopt.code, out: adopt.code === 0 ? "" : adopt.out }).toEqual({ code: 0, out: "" });
  expect(comparable(served())).toEqual(comparable(await records()));
  expect(planActions("example-net")).toEqual({});
});

test("terraform destroy of every stack removes exactly what was created", async () => {
  expect(await destroyStacks(project.dir, ["example-com", "example-net", "example-io"], env)).toBeUndefined();
  for (const id of Object.values(ZONES)) expect(endpoint.records(id)).toEqual(baseline.get(id));
});
