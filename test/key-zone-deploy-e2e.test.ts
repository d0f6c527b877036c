/**
 * Our key zone with 1,000 customers deployed into moto's Route53 by the real
 * Terraform and AWS provider, stack by stack as the deploy workflow does:
 * check-plan passes each stack's plan, the zone then holds exactly the
 * records dkimctl gives (each slot's key at its target), a plan right after
 * shows no changes, no private key reaches cdktf.out or the state, and a
 * destroy leaves the zone as it was. The requests are counted by Route53
 * action (docs/signing-provider.md gives what a first deploy costs from them).
 *
 * Time: the AWS provider waits 10 to 30 s after each change before it asks
 * whether the change is in sync (`recordSetSyncMinDelay`/`MaxDelay` in its
 * internal/service/route53/record.go), so the stacks run at once, 50 changes
 * in flight each. Not more: the front applies one change after another
 * (./support/route53-queue.ts), and the provider sends a change again when
 * the first has not been answered within a minute (`ChangeRecordSet`'s
 * one-minute retry there), which Route53 then refuses as a record that
 * exists; 200 changes in flight wait at most about 20 s.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseQuotedTxt } from "../src/dkim/txt";
import { MotoServer, requireMoto } from "./support/moto";
import { Route53Queue } from "./support/route53-queue";
import { dkimctl, synthApp, tempProject } from "./support/project";
import type { RecordSet } from "./support/route53-endpoint";
import { findSecrets, scanTree } from "./support/secrets";
import { requireTerraform, terraformAsync, terraformEnv } from "./support/terraform";

jest.setTimeout(1_200_000);

const KEY_ZONE = "keys.esp.test";
const COUNT = 1000;
/** Customers' names: short ones, and two of 237 octets, whose targets would exceed 253 and are hashed. */
const CUSTOMERS = [
  ...Array.from({ length: COUNT - 2 }, (_, i) => `c${i}.shop${i % 7}.example`),
  ...[1, 2].map((n) => `${`${"a".repeat(60)}.`.repeat(3)}${"b".repeat(40)}.long${n}.example`),
];
const STACKS = 4;

interface Published {
  name: string;
  type: string;
  ttl: number;
  value: string;
}

let moto: MotoServer;
let queue: Route53Queue;
let p: ReturnType<typeof tempProject>;
let zoneId: string;
let baseline: RecordSet[];
let env: NodeJS.ProcessEnv;
let stacks: string[];
const timings: string[] = [];

const outDir = () => join(p.dir, "cdktf.out");
const stackDir = (stack: string) => join(outDir(), "stacks", stack);

/**
 * Runs terraform in every stack at once (as the deploy workflow's matrix jobs
 * do); once all have ended, fails with the first stack's error (a stack left
 * running would hold its state lock into the next step).
 */
async function inEachStack(what: string, run: (stack: string) => Promise<void>): Promise<void> {
  const start = Date.now();
  queue.resetCounts();
  const ended = await Promise.allSettled(stacks.map(run));
  timings.push(
    `${what}: ${((Date.now() - start) / 1000).toFixed(0)} s, requests ${JSON.stringify(queue.counts())}, ` +
      `slowest change ${(queue.slowestChange() / 1000).toFixed(1)} s`,
  );
  const failed = ended.find((e): e is PromiseRejectedResult => e.status === "rejected");
  if (failed) throw failed.reason;
}

async function tf(stack: string, args: string[], okCodes = [0]): Promise<string> {
  const r = await terraformAsync(args, { cwd: stackDir(stack), env });
  if (!okCodes.includes(r.status)) throw new Error(`terraform ${args[0]} in ${stack}: exit ${r.status}\n${r.stderr}${r.stdout}\nmoto:\n${moto.logTail()}`);
  return r.stdout;
}

/** What moto serves in the key zone, other than its SOA and NS, in dkimctl's terms. */
async function served(): Promise<Published[]> {
  return (await moto.records(zoneId))
    .filter((r) => r.type !== "SOA" && r.type !== "NS")
    .map((r) => ({ name: r.name.replace(/\.$/, ""), type: r.type, ttl: r.ttl, value: parseQuotedTxt(r.values[0]).join("") }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

beforeAll(async () => {
  requireTerraform();
  requireMoto();
  moto = await MotoServer.start();
  queue = await Route53Queue.start(moto.url);
  zoneId = await moto.createZone(KEY_ZONE);
  baseline = await moto.records(zoneId);
  p = tempProject(`version: 1
zones:
  ${KEY_ZONE}: { provider: route53, zoneId: ${zoneId}, stacks: ${STACKS} }
customers:
  ${KEY_ZONE}:
    key: ed25519
    ttl: 3600
    list: customers.txt
`);
  writeFileSync(join(p.dir, "customers.txt"), `${CUSTOMERS.join("\n")}\n`);
  let start = Date.now();
  const keys = await dkimctl("keys", "--config", p.config);
  expect(keys.code).toBe(0);
  timings.push(`keys (${2 * COUNT}): ${((Date.now() - start) / 1000).toFixed(0)} s`);
  start = Date.now();
  const synth = synthApp(p.config, outDir());
  expect({ code: synth.code, err: synth.code === 0 ? "" : synth.err }).toEqual({ code: 0, err: "" });
  timings.push(`synth: ${((Date.now() - start) / 1000).toFixed(0)} s`);
  stacks = readdirSync(join(outDir(), "stacks")).sort();
  env = terraformEnv({ ...moto.env(), AWS_ENDPOINT_URL_ROUTE_53: queue.url, AWS_ENDPOINT_URL_STS: queue.url });
});
afterAll(async () => {
  await queue?.stop();
  moto?.stop();
  console.log(`key zone of ${COUNT} customers into moto: ${timings.join("; ")}`);
});

test("five stacks: the zone's own (empty) and its customers' four, each customer's two keys in one", async () => {
  expect(stacks).toEqual(["keys-esp-test", ...Array.from({ length: STACKS }, (_, i) => `keys-esp-test-0${i}`)]);
  const listed = JSON.parse((await dkimctl("stacks", "--format", "json", "--config", p.config)).out) as { stack: string; after: number }[];
  expect(listed.map((s) => s.stack)).toEqual(stacks);
  expect(listed.reduce((n, s) => n + s.after, 0)).toBe(2 * COUNT);
  for (const s of listed.slice(1)) expect({ stack: s.stack, within: s.after > 400 && s.after < 600 }).toEqual({ stack: s.stack, within: true });
});

test("each stack's plan passes check-plan, and the applied zone holds exactly dkimctl's records", async () => {
  await inEachStack("init + plan + check-plan + apply", async (stack) => {
    await tf(stack, ["init", "-input=false", "-no-color"]);
    await tf(stack, ["plan", "-input=false", "-no-color", "-out=tfplan"]);
    writeFileSync(join(stackDir(stack), "plan.json"), await tf(stack, ["show", "-json", "tfplan"]));
    const check = await dkimctl("check-plan", join(stackDir(stack), "plan.json"), "--config", p.config);
    expect({ stack, code: check.code, err: check.code === 0 ? "" : check.err }).toEqual({ stack, code: 0, err: "" });
    await tf(stack, ["apply", "-input=false", "-no-color", "-parallelism=50", "tfplan"]);
  });
  // One change per record, each waited for: what a deploy of 2,000 records costs in requests.
  const counts = queue.counts();
  expect(counts.ChangeResourceRecordSets).toBe(2 * COUNT);
  expect(counts.GetChange).toBeGreaterThanOrEqual(2 * COUNT);
  const wanted = (JSON.parse((await dkimctl("records", "--format", "json", "--config", p.config)).out) as (Published & { zone: string })[])
    .filter((r) => r.zone === KEY_ZONE)
    .map(({ name, type, ttl, value }) => ({ name, type, ttl, value }));
  expect(wanted).toHaveLength(2 * COUNT);
  expect(await served()).toEqual(wanted);
  // The long names' targets are hashed (40 hex digits) under the key zone.
  expect(wanted.filter((r) => /^esp[12]\.[0-9a-f]{40}\.keys\.esp\.test$/.test(r.name))).toHaveLength(4);
});

test("a plan right after shows no changes in any stack, and no private key reached cdktf.out or the state", async () => {
  await inEachStack("re-plan", async (stack) => {
    const out = await tf(stack, ["plan", "-input=false", "-no-color", "-detailed-exitcode", "-parallelism=100"], [0, 2]);
    expect({ stack, changes: /No changes\./.test(out) }).toEqual({ stack, changes: true });
  });
  // A sample of the 2,000 keys (every key's needles against every file would take minutes).
  const all = readdirSync(p.store, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  expect(all).toHaveLength(2 * COUNT);
  const pems = all.filter((_, i) => i % 20 === 0).map((f) => readFileSync(join(f.parentPath, f.name), "utf8"));
  const states = readdirSync(p.dir).filter((f) => /^terraform\..*\.tfstate$/.test(f));
  expect(states).toHaveLength(stacks.length);
  for (const f of states) expect({ f, found: findSecrets(readFileSync(join(p.dir, f), "latin1"), pems) }).toEqual({ f, found: [] });
  expect(scanTree(outDir(), pems)).toEqual([]);
});

test("destroy leaves the zone as it was before the deploy", async () => {
  await inEachStack("destroy", async (stack) => {
    await tf(stack, ["destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=50"]);
  });
  expect(await moto.records(zoneId)).toEqual(baseline);
});
