import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { DataAwsRoute53Records } from "@cdktf/provider-aws/lib/data-aws-route53-records";
import { EXISTING_RECORDS_ID } from "../src/logical-id";
import { publishedNamePattern } from "../src/dns/names";

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
