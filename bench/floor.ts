/**
 * The floor: the same stacks, resources, data sources and attribute values
 * as the dkimctl app, built directly with cdktf and the same provider classes from a
 * precomputed record list (bench/generate.ts writes it). No YAML, no
 * validation, no lock file: what any cdktf program must spend to synthesize
 * these records.
 *
 *   node -r ./bin/register.js bench/floor.ts <floor.json> <outdir>
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsRoute53Records } from "@cdktf/provider-aws/lib/data-aws-route53-records";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { CloudflareProvider } from "@cdktf/provider-cloudflare/lib/provider";
import { DataCloudflareZone } from "@cdktf/provider-cloudflare/lib/data-cloudflare-zone";
import { DnsRecord } from "@cdktf/provider-cloudflare/lib/dns-record";
import type { FloorInput } from "./generate";

const [inputFile, outdir] = process.argv.slice(2);
if (!inputFile || !outdir) {
  process.stderr.write("usage: node -r ./bin/register.js bench/floor.ts <floor.json> <outdir>\n");
  process.exit(2);
}
const input = JSON.parse(readFileSync(inputFile, "utf8")) as FloorInput;

const app = new App({ outdir });
for (const zone of input.zones) {
  const stack = new TerraformStack(app, zone.stack);
  // The app keeps local state beside domains.yaml (here: beside floor.json), named relative to the stack's directory.
  new LocalBackend(stack, { path: relative(resolve(outdir, "stacks", zone.stack), join(resolve(dirname(inputFile)), `terraform.${zone.stack}.tfstate`)) });
  if (zone.provider === "route53") {
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    if (zone.records.length === 0) continue;
    const zoneId = zone.zoneId ?? new DataAwsRoute53Zone(stack, "zone", { name: zone.name, privateZone: false }).zoneId;
    // The app lists the zone's existing _domainkey records (constructs/providers/route53.ts).
    new DataAwsRoute53Records(stack, "existing", { zoneId, nameRegex: "_domainkey" }).overrideLogicalId("dkimctl_existing");
    for (const r of zone.records) {
      new Route53Record(stack, r.name, { zoneId, name: r.name, type: r.type, ttl: r.ttl, records: [r.value] }).overrideLogicalId(r.id);
    }
  } else {
    new CloudflareProvider(stack, "cloudflare", {});
    if (zone.records.length === 0) continue;
    const zoneId = zone.zoneId ?? new DataCloudflareZone(stack, "zone", { filter: { name: zone.name } }).zoneId;
    for (const r of zone.records) {
      new DnsRecord(stack, r.name, {
        zoneId,
        name: r.name,
        type: r.type,
        ttl: r.ttl,
        content: r.value,
        ...(r.type === "CNAME" ? { proxied: false } : {}),
        comment: r.comment,
      }).overrideLogicalId(r.id);
    }
  }
}
app.synth();
