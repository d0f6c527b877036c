/**
 * Route53: hosted zones, written by the AWS provider's `aws_route53_record`
 * (@cdktf/provider-aws). Its cdktf side is constructs/providers/route53.ts.
 */
import { parseQuotedTxt, quoteTxt } from "../dkim/txt";
import { EXISTING_RECORDS_ID } from "../logical-id";
import type { DnsProvider } from "./provider";
import { createHostedZone, emulatorEnv } from "./route53-emulator";
import { ZONE_ID_FIELD, zoneIdLine } from "./zone-fields";

export const route53: DnsProvider = {
  name: "route53",
  title: "Route53",
  documentation: "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record",

  zoneFields: { zoneId: ZONE_ID_FIELD },
  // A hosted zone id is at most 32 characters (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html), and the
  // console, CLI and API show it as the resource path /hostedzone/<id>. Route53's emulators (LocalStack, moto) issue ids without AWS's leading 'Z'.
  zoneId: {
    field: "zoneId",
    pattern: /^[A-Z0-9]{1,32}$/,
    what: "Route53 hosted zone id",
    shape: "up to 32 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ",
    pastedPrefix: {
      pattern: /^\/?hostedzone\//,
      warning: (bare) => `'/hostedzone/' is the resource path, not part of the zone id: dkimctl uses ${bare}; remove the prefix`,
    },
  },

  // "Records (resource record sets) per hosted zone: 10,000", SOA and NS included, raised on request
  // (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html).
  recordQuota: { quota: 10_000, raise: "have AWS raise it ('Records per hosted zone' in Service Quotas, us-east-1)" },

  // TTL: 0..2147483647 seconds (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html), as domains.yaml's schema bounds every TTL.
  ttl: { problem: () => undefined },

  // "To specify a single record value longer than 255 characters such as a TXT record for DKIM, add \"\" inside the Terraform configuration
  // string" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_record): the provider wraps the value in
  // quotes, so Route53 stores "a""b", two character-strings (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/ResourceRecordTypes.html#TXTFormat),
  // and reads back exactly what Terraform wrote.
  txt: {
    write: (strings) => quoteTxt(strings, "").slice(1, -1),
    read: (value) => parseQuotedTxt(`"${value}"`),
  },

  // Import id <zone id>_<record name>_<type> (the Import section of the aws_route53_record page above).
  adopt: { can: true, importId: (zone, record) => `${zone.id}_${record.name}_${record.type}` },

  // data "aws_route53_records" (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/route53_records) lists the
  // zone at plan time; a ChangeResourceRecordSets CREATE of a name that exists fails ("... but it already exists"), so nothing is overwritten.
  existingRecords: {
    can: true,
    address: `data.aws_route53_records.${EXISTING_RECORDS_ID}`,
    // Route53 returns a wildcard label as \052 (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html).
    names: (values, bad) =>
      list(values.resource_record_sets, "resource_record_sets", bad).flatMap((set) =>
        typeof set === "object" && set !== null && !Array.isArray(set) && typeof (set as { name?: unknown }).name === "string"
          ? [(set as { name: string }).name.replace(/^\\052\./, "*.")]
          : [],
      ),
    onCreateOver: "Route53 refuses to overwrite it",
  },

  // moto's server emulates Route53 and STS (https://docs.getmoto.org/en/latest/docs/services/route53.html); the AWS provider reaches it through
  // AWS_ENDPOINT_URL_ROUTE_53 and AWS_ENDPOINT_URL_STS (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/custom-service-endpoints).
  playground: { can: true, emulator: "moto", env: emulatorEnv, createZone: createHostedZone },

  plan: {
    recordTypes: ["aws_route53_record"],
    record: (_type, read) => ({
      name: read("name", "string", true),
      type: read("type", "string", true),
      ttl: read("ttl", "number", false),
      zoneId: read("zone_id", "string", false),
      values: () => read("records", "strings", true),
    }),
    // data and resource "aws_route53_zone": `name` and `zone_id`; a private zone (data: private_zone, resource: a vpc block) is none
    // dkimctl writes into (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/route53_zone).
    zoneOf: ({ mode, type, values: v }) => {
      if (type !== "aws_route53_zone") return undefined;
      const isPrivate = mode === "data" ? v.private_zone === true : Array.isArray(v.vpc) && v.vpc.length > 0;
      return !isPrivate && typeof v.zone_id === "string" && typeof v.name === "string" ? { name: v.name, id: v.zone_id } : undefined;
    },
  },

  init: {
    package: "@cdktf/provider-aws",
    zoneLines: () => [zoneIdLine("Z0123456789ABCDEFGHIJ", "the hosted zone's id in the Route53 console")],
    // https://registry.terraform.io/providers/hashicorp/aws/latest/docs#authentication-and-configuration
    credentials: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role (the AWS provider's usual chain)",
  },
};

/** `v` when it is a list; else none, after saying what it is. */
function list(v: unknown, name: string, bad: (message: string) => void): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  bad(`${name} is ${typeof v === "object" ? "an object" : `a ${typeof v}`}, not a list`);
  return [];
}
