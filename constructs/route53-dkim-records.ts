import { Construct } from "constructs";
import type { TerraformProvider } from "cdktf";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { DesiredRecord } from "../src/records";
import { logicalId } from "../src/logical-id";
import { quoteTxt } from "../src/dkim/txt";

export interface Route53DkimRecordsProps {
  /** Hosted zone id (a literal or a token from a data source). */
  readonly zoneId: string;
  /** The zone's records, all with provider 'route53'. */
  readonly records: readonly DesiredRecord[];
  /** The AWS provider the records use. @default the stack's AWS provider without an alias */
  readonly provider?: TerraformProvider;
}

/**
 * One `aws_route53_record` per DKIM record. A TXT value longer than 255
 * bytes goes in as one record value whose strings are joined with `""`:
 * the provider wraps every TXT value in quotes, so Route53 stores `"a""b"`
 * (two character-strings) and reads back exactly what Terraform wrote.
 * A record with `adopt` is imported (Terraform import block) instead.
 */
export class Route53DkimRecords extends Construct {
  constructor(scope: Construct, id: string, props: Route53DkimRecordsProps) {
    super(scope, id);
    for (const r of props.records) {
      const record = new Route53Record(this, r.name, {
        zoneId: props.zoneId,
        name: r.name,
        type: r.type,
        ttl: r.ttl,
        records: [route53Value(r)],
        ...(props.provider ? { provider: props.provider } : {}),
      });
      record.overrideLogicalId(logicalId(r));
      // Route53's import id: <zone id>_<name>_<type>.
      if (r.adopt) record.importFrom(`${props.zoneId}_${r.name}_${r.type}`, props.provider);
    }
  }
}

/** The single `records` element for a desired record: the strings quoted and joined, without the outer quotes the provider adds. */
export function route53Value(r: DesiredRecord): string {
  return r.type === "TXT" ? quoteTxt(r.strings, "").slice(1, -1) : r.value;
}
