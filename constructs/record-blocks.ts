/**
 * A zone's record resources written as plain Terraform JSON by one element:
 * the blocks a binding construct per record (Route53Record, DnsRecord, …)
 * would write, under the same addresses, with the same `//` metadata (the
 * path a construct per record would have) and the same import blocks, but
 * without a construct, tokens and stack traces per record. At 20,000 records
 * that is most of synth's time and memory (issue #20; docs/development.md,
 * "Performance"). Each provider declares its blocks (`recordBlock` in
 * constructs/providers/<p>.ts); test/golden.test.ts holds the output to what
 * the binding constructs wrote, byte for byte.
 */
import type { Construct } from "constructs";
import { TerraformElement, type TerraformProvider } from "cdktf";
import { ValidateTerraformVersion } from "cdktf/lib/validations/validate-terraform-version";
import type { RecordBlock } from "./providers/provider";

/** A record's block and where it goes. */
export interface PlacedBlock extends RecordBlock {
  /** The last part of its path in the construct tree (the record's name), as a construct per record had it. */
  readonly id: string;
  /** The resource's name in its type (`dkim_s1__domainkey_example_com`). */
  readonly logicalId: string;
}

export interface RecordBlocksProps {
  /** One block per record, each under a distinct id and address. */
  readonly blocks: readonly PlacedBlock[];
  /** The provider every resource (and import) names. @default none named: the stack's provider of the resource's kind without an alias */
  readonly provider?: TerraformProvider;
}

/** Terraform reads import blocks from 1.5 on: cdktf's own check of an imported resource, once per element. */
const IMPORT_HINT = "Import blocks are only supported for Terraform >=1.5. Please upgrade your Terraform version.";

export class RecordBlocks extends TerraformElement {
  private readonly blocks: readonly PlacedBlock[];
  private readonly provider: TerraformProvider | undefined;

  constructor(scope: Construct, id: string, props: RecordBlocksProps) {
    super(scope, id);
    const seen = new Set<string>();
    for (const b of props.blocks) {
      const address = `${b.type}.${b.logicalId}`;
      if (seen.has(b.id) || seen.has(address)) throw new Error(`RecordBlocks '${this.node.path}': two records named ${b.id} (${address})`);
      seen.add(b.id).add(address);
    }
    this.blocks = props.blocks;
    this.provider = props.provider;
    if (props.blocks.some((b) => b.importId !== undefined)) this.node.addValidation(new ValidateTerraformVersion(">=1.5", IMPORT_HINT));
  }

  override toTerraform(): Record<string, unknown> {
    const path = this.node.path;
    const provider = this.provider ? { provider: this.provider.fqn } : {};
    const resource: Record<string, Record<string, unknown>> = {};
    const imports: unknown[] = [];
    for (const b of this.blocks) {
      resource[b.type] ??= {};
      resource[b.type][b.logicalId] = { ...b.attributes, ...provider, "//": { metadata: { path: `${path}/${b.id}`, uniqueId: b.logicalId } } };
      if (b.importId !== undefined) imports.push({ ...provider, id: b.importId, to: `${b.type}.${b.logicalId}` });
    }
    return imports.length ? { resource, import: imports } : { resource };
  }

  override toMetadata(): Record<string, unknown> {
    const imports: Record<string, string[]> = {};
    for (const b of this.blocks) if (b.importId !== undefined) (imports[b.type] ??= []).push(b.logicalId);
    return Object.keys(imports).length ? { imports } : {};
  }
}
