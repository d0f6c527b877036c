/**
 * Route53's resources: the AWS provider (@cdktf/provider-aws), the hosted
 * zone looked up by name, the listing of its existing DKIM records, and one
 * `aws_route53_record` block per record (as the binding's Route53Record
 * writes it, without building one per record: constructs/record-blocks.ts).
 * What they are made of is src/providers/route53.ts.
 */
import { Construct } from "constructs";
import type { TerraformProvider, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsRoute53Records } from "@cdktf/provider-aws/lib/data-aws-route53-records";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { EXISTING_RECORDS_ID } from "../../src/logical-id";
import { route53 } from "../../src/providers/route53";
import { publishedNamePattern } from "../../src/dns/names";
import type { ProviderConstructs } from "./provider";

/** The region the AWS provider talks to: Route53 is a global service served from us-east-1. */
export const ROUTE53_REGION = "us-east-1";

export interface ExistingDkimRecordsProps {
  /** Hosted zone id (a literal or a token). */
  readonly zoneId: string;
  /** The AWS provider that reads the listing. @default the stack's AWS provider without an alias */
  readonly provider?: TerraformProvider;
  /** List the zone's `_dmarc` records too (the zone has DMARC records). @default false */
  readonly dmarc?: boolean;
}

/**
 * Lists the zone's `_domainkey` records (and `_dmarc` records, where the
 * zone has DMARC records) at plan time, so that the plan
 * (terraform show -json) carries what is already in the zone and
 * `dkimctl check-plan` can refuse to create over a record this stack did
 * not make, with the way to adopt it. Route53 itself refuses such a CREATE
 * too ("... but it already exists"), so nothing is silently overwritten even
 * without check-plan. One ListResourceRecordSets call per plan per page.
 */
export class ExistingDkimRecords extends Construct {
  constructor(scope: Construct, id: string, props: ExistingDkimRecordsProps) {
    super(scope, id);
    new DataAwsRoute53Records(this, "existing", {
      zoneId: props.zoneId,
      nameRegex: publishedNamePattern({ dmarc: props.dmarc === true }),
      ...(props.provider ? { provider: props.provider } : {}),
    }).overrideLogicalId(EXISTING_RECORDS_ID);
  }
}

export const route53Constructs: ProviderConstructs = {
  terraformType: "aws",
  providerTitle: "AWS",
  oneProvider: "an AWS provider",
  addHint:
    `new AwsProvider(stack, "aws", { region: "${ROUTE53_REGION}" }), ` +
    `with import { AwsProvider } from "@cdktf/provider-aws/lib/provider" (credentials come from AWS_* or a role, as usual)`,

  addProvider: (stack: TerraformStack) => new AwsProvider(stack, "aws", { region: ROUTE53_REGION }),
  // A public hosted zone of that name (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/route53_zone).
  lookUpZone: (scope, id, zone, { provider }) =>
    new DataAwsRoute53Zone(scope, id, { name: zone.name, privateZone: false, ...(provider ? { provider } : {}) }).zoneId,
  listExisting: (scope, id, { zoneId, dmarc, provider }) =>
    void new ExistingDkimRecords(scope, id, { zoneId, ...(dmarc ? { dmarc } : {}), ...(provider ? { provider } : {}) }),
  // One record set per record (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record): a TXT value
  // longer than 255 bytes is one value whose strings are joined with `""` (src/providers/route53.ts `txt`). `adopt` imports the record.
  recordBlock: (r, { zoneId, zone }) => ({
    type: "aws_route53_record",
    attributes: { name: r.name, records: [r.type === "TXT" ? route53.txt.write(r.strings) : r.value], ttl: r.ttl, type: r.type, zone_id: zoneId },
    ...(r.adopt && route53.adopt.can ? { importId: route53.adopt.importId({ id: zoneId, name: zone.name, options: zone.options }, r) } : {}),
  }),
};
