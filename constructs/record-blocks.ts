/**
 * A zone's record resources written as plain Terraform JSON by one element:
 * the blocks a provider's binding construct per record would write, under
 * the same addresses, with the same `//` metadata (the path a construct per
 * record would have) and the same import blocks, but without a construct, tokens and stack traces per record. At 20,000 records
 * that is most of synth's time and memory (issue #20; docs/development.md,
 * "Performance"). Each provider declares its blocks (`recordBlock` in
 * constructs/providers/<p>.ts); test/golden.test.ts holds the output to what
 * the binding constructs wrote, byte for byte.
 */
import type { Construct } from "constructs";
import {
  DefaultTokenResolver,
  type IResolvable,
  type IResolveContext,
  StringConcat,
  TerraformElement,
  type TerraformProvider,
  type TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { ValidateTerraformVersion } from "cdktf/lib/validations/validate-terraform-version";
import type { RecordBlock } from "./providers/provider";

/** A record's block and where it goes. */
export interface PlacedBlock extends RecordBlock {
  /** The last part of its path in the construct tree (the record's name), as a construct per record had it. */
  readonly id: string;
  /** The resource's name in its type (`dkim_s1__domainkey_example_com`). */
  readonly logicalId: string;
}

export interface RecordBlocksProps<T> {
  /** What the blocks are made from (a zone's records): one block each, each under a distinct id and address. */
  readonly items: readonly T[];
  /**
   * An item's block: made once to check it here, and again when the stack is
   * written. Made when needed rather than kept: 20,000 blocks kept from
   * construction to synth were ~23 MB more at synth's peak (issue #20).
   */
  readonly blockOf: (item: T) => PlacedBlock;
  /** The provider every resource (and import) names. @default none named: the stack's provider of the resource's kind without an alias */
  readonly provider?: TerraformProvider;
}

/** An import block's parts, kept from construction (few: only records that `adopt`). */
interface Import {
  readonly type: string;
  readonly logicalId: string;
  readonly importId: string;
}

/** Terraform reads import blocks from 1.5 on: cdktf's own check of an imported resource, once per element. */
const IMPORT_HINT = "Import blocks are only supported for Terraform >=1.5. Please upgrade your Terraform version.";

/**
 * The resource blocks go into the stack's Terraform after cdktf has resolved
 * the stack (the stack's `toTerraform`, wrapped once per stack): cdktf
 * resolves every element's output three times, value by value, which at
 * 20,000 records costs more than everything else synth does. The blocks'
 * tokens (the zone id, the provider) are resolved here instead, each once;
 * cdktf's preparing pass still sees them (`toTerraform`), so a zone id from
 * another stack is wired up as cdktf does it.
 */
const IN_STACK = new WeakMap<TerraformStack, BlockWriter[]>();

/** The stack's resolved Terraform, as the blocks are written into it. */
type StackTerraform = { resource?: Record<string, Record<string, unknown>> };

interface BlockWriter {
  writeInto(tf: StackTerraform): void;
}

/** How cdktf resolves a stack's output (cdktf/lib/_tokens.js). */
const RESOLVER = new DefaultTokenResolver(new StringConcat());

export class RecordBlocks<T> extends TerraformElement {
  private readonly items: readonly T[];
  private readonly blockOf: (item: T) => PlacedBlock;
  private readonly provider: TerraformProvider | undefined;
  /** Every distinct unresolved value (a token) among the blocks' attributes. */
  private readonly tokens: ReadonlySet<unknown>;
  private readonly imports: readonly Import[];

  constructor(scope: Construct, id: string, props: RecordBlocksProps<T>) {
    super(scope, id);
    const seen = new Set<string>();
    const tokens = new Set<unknown>();
    const imports: Import[] = [];
    for (const item of props.items) {
      const b = props.blockOf(item);
      const address = `${b.type}.${b.logicalId}`;
      if (seen.has(b.id) || seen.has(address)) throw new Error(`RecordBlocks '${this.node.path}': two records named ${b.id} (${address})`);
      seen.add(b.id).add(address);
      forEachLeaf(b.attributes, (leaf) => Token.isUnresolved(leaf) && tokens.add(leaf));
      if (b.importId !== undefined) imports.push({ type: b.type, logicalId: b.logicalId, importId: b.importId });
    }
    this.items = props.items;
    this.blockOf = props.blockOf;
    this.provider = props.provider;
    this.tokens = tokens;
    this.imports = imports;
    if (imports.length) this.node.addValidation(new ValidateTerraformVersion(">=1.5", IMPORT_HINT));
    writeAfterResolving(this.cdktfStack, this);
  }

  /** The import blocks (few), resolved by cdktf in the stack's order, and the tokens of the resource blocks, for cdktf's preparing pass. */
  override toTerraform(): Record<string, unknown> {
    const provider = this.provider ? { provider: this.provider.fqn } : {};
    const imports = this.imports.map((i) => ({ ...provider, id: i.importId, to: `${i.type}.${i.logicalId}` }));
    const tokens = [...this.tokens, ...(this.provider ? [this.provider.fqn] : [])];
    return { ...(imports.length ? { import: imports } : {}), "//": new PreparingOnly(tokens) };
  }

  override toMetadata(): Record<string, unknown> {
    const imports: Record<string, string[]> = {};
    for (const i of this.imports) (imports[i.type] ??= []).push(i.logicalId);
    return Object.keys(imports).length ? { imports } : {};
  }

  /** HCL output would lack the records: refused rather than written without them. */
  override toHclTerraform(): Record<string, unknown> {
    throw new Error(`RecordBlocks '${this.node.path}': the DKIM records are written as Terraform JSON only: synthesize without --hcl`);
  }

  /** Adds the resource blocks to `tf`, the stack's resolved Terraform, resolving each distinct token once. */
  writeInto(tf: StackTerraform): void {
    const resolve = (x: unknown) => Tokenization.resolve(x, { scope: this.cdktfStack, preparing: false, resolver: RESOLVER });
    const resolved = new Map<unknown, unknown>([...this.tokens].map((t) => [t, resolve(t)]));
    const provider = this.provider ? { provider: resolve(this.provider.fqn) as string } : {};
    const path = this.node.path;
    tf.resource ??= {};
    for (const item of this.items) {
      const b = this.blockOf(item);
      const attributes = resolved.size ? (mapLeaves(b.attributes, (leaf) => (resolved.has(leaf) ? resolved.get(leaf) : leaf)) as object) : b.attributes;
      tf.resource[b.type] ??= {};
      tf.resource[b.type][b.logicalId] = { ...attributes, ...provider, "//": { metadata: { path: `${path}/${b.id}`, uniqueId: b.logicalId } } };
    }
  }
}

/** Wraps the stack's `toTerraform` once, so that each RecordBlocks in it writes its blocks into the resolved output. */
function writeAfterResolving(stack: TerraformStack, element: BlockWriter): void {
  const elements = IN_STACK.get(stack);
  if (elements) {
    elements.push(element);
    return;
  }
  IN_STACK.set(stack, [element]);
  const resolveStack = stack.toTerraform.bind(stack);
  stack.toTerraform = () => {
    const tf = resolveStack();
    for (const e of IN_STACK.get(stack)!) e.writeInto(tf);
    return tf;
  };
}

/**
 * Resolves the tokens it holds while cdktf prepares the stack (so that a
 * reference to another stack gets its output and remote state), and to
 * nothing, so it leaves no trace in the output.
 */
class PreparingOnly implements IResolvable {
  readonly creationStack: string[] = [];
  constructor(private readonly tokens: readonly unknown[]) {}
  resolve(context: IResolveContext): undefined {
    if (context.preparing) for (const t of this.tokens) context.resolve(t);
    return undefined;
  }
  toString(): string {
    return Token.asString(this);
  }
}

/** Calls `f` with each string and number leaf of a JSON value. */
function forEachLeaf(value: unknown, f: (leaf: unknown) => unknown): void {
  if (Array.isArray(value)) for (const v of value) forEachLeaf(v, f);
  else if (value !== null && typeof value === "object") for (const k in value) forEachLeaf((value as Record<string, unknown>)[k], f);
  else f(value);
}

/** A copy of a JSON value with each string and number leaf replaced by `f(leaf)` (kept where `f` returns undefined). */
function mapLeaves(value: unknown, f: (leaf: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapLeaves(v, f));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapLeaves(v, f)]));
  const mapped = f(value);
  return mapped === undefined ? value : mapped;
}
