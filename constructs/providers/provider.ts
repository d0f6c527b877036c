/**
 * The cdktf side of a DNS provider: what every `constructs/providers/<p>.ts`
 * adds to a stack. Its other side (zone options, TXT form, import ids, plan
 * reading) is `src/providers/<p>.ts`. A provider's module imports its cdktf
 * bindings; constructs/providers/index.ts loads it only for a zone that uses it.
 */
import type { Construct } from "constructs";
import type { TerraformProvider, TerraformStack } from "cdktf";
import type { Zone } from "../../src/config/model";
import type { DesiredRecord } from "../../src/records";

/** What every resource of a zone is made with. */
export interface ZoneResourceProps {
  /** The provider every resource uses. @default the stack's provider of the zone's kind without an alias */
  readonly provider?: TerraformProvider;
}

/** The zone a record block is written into. */
export interface BlockZone {
  /** The zone's id (a literal or a token from the zone look-up). */
  readonly zoneId: string;
  /** The zone, as domains.yaml declares it (its provider's options). */
  readonly zone: Zone;
}

/**
 * One record's Terraform resource, as the provider's cdktf binding
 * construct would write it (constructs/record-blocks.ts writes it as is).
 */
export interface RecordBlock {
  /** The resource type: `aws_route53_record`. */
  readonly type: string;
  /**
   * Its arguments in Terraform JSON: the names of the provider's schema
   * (snake_case, as the binding's `synthesizeAttributes` writes them), only
   * those set. A string may hold a token (the zone id).
   */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The id of a Terraform import block, for a record with `adopt` where the provider can. @default no import block */
  readonly importId?: string;
}

export interface ProviderConstructs {
  /** The type of the Terraform provider its resources use (`TerraformProvider.terraformResourceType`): `aws`. */
  readonly terraformType: string;
  /** For messages: `AWS`. */
  readonly providerTitle: string;
  /** `an AWS provider` */
  readonly oneProvider: string;
  /** How to add one to a stack of one's own, for messages: `new AwsProvider(stack, "aws", …), with import …`. */
  readonly addHint: string;

  /** Adds the Terraform provider dkimctl's own stacks use (credentials from the environment). */
  addProvider(stack: TerraformStack): TerraformProvider;
  /**
   * Looks the zone up (a data source with id `id` in `scope`, by the zone's
   * name or options); returns its id as the records take it: a token of the
   * data source, or a literal where domains.yaml names the zone enough
   * (Google's managed zone, a DigitalOcean domain).
   */
  lookUpZone(scope: Construct, id: string, zone: Zone, props: ZoneResourceProps): string;
  /**
   * Lists the zone's existing `_domainkey` records, and `_dmarc` ones with
   * `dmarc` (src/providers/<p>.ts `existingRecords`), under construct id `id`.
   * Present exactly when that capability is.
   */
  listExisting?(scope: Construct, id: string, props: ZoneResourceProps & { readonly zoneId: string; readonly dmarc: boolean }): void;
  /**
   * The resource of one record (one resource per record: a `for_each`
   * resource makes `terraform plan` far slower), with its import id for
   * `adopt`. Plain data, no construct: a zone's blocks are written together
   * (constructs/record-blocks.ts), each under the logical id of its name.
   */
  recordBlock(record: DesiredRecord, zone: BlockZone): RecordBlock;
}
