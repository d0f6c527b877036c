import { Construct } from "constructs";
import { TerraformProvider, TerraformStack } from "cdktf";
import { configPath } from "../src/config/find-project";
import { loadConfig } from "../src/config/load";
import type { Config, Zone } from "../src/config/model";
import { checkHostName } from "../src/dns/host-name";
import { Lock } from "../src/keys/lock";
import { type DesiredRecord, desiredRecords } from "../src/records";
import { PROVIDERS } from "../src/providers";
import { zoneConstructs } from "./providers";
import { addZoneRecords } from "./zone-records";

export interface DkimRecordsProps {
  /**
   * domains.yaml: its path (read with the dkim.lock.yaml beside it; a
   * relative path is taken from the working directory, where `cdktf synth`
   * runs the app), or a Config that `loadConfig` returned. Only these two
   * files are read, never a key store.
   * @default `$DKIMCTL_CONFIG`, else the nearest `domains.yaml` in the working
   * directory or above it (up to the top of the git work tree), as `dkimctl` finds it
   */
  readonly config?: string | Config;
  /**
   * The zone, as named under `zones:` in domains.yaml: the records of every
   * domain in it are added (those of news.example.com too, in zone example.com).
   * @default - none: required
   */
  readonly zone: string;
  /**
   * The zone's id: a literal, or a token such as the `zoneId` of a zone the
   * stack itself manages or reads.
   * @default the zone's `zoneId` in domains.yaml; without one, the zone is
   * looked up by name (as the zone's provider finds it: docs/providers.md)
   */
  readonly zoneId?: string;
  /**
   * The Terraform provider the resources use, of the zone's kind
   * (docs/providers.md names it). Give it when the stack's provider for the
   * zone has an alias.
   * @default the stack's provider of the zone's kind without an alias; when
   * the stack has none, synth fails and says what to add
   */
  readonly provider?: TerraformProvider;
}

/** Marks a DkimRecords, also one made by another copy of this package. */
const DKIM_RECORDS = Symbol.for("dkimctl/DkimRecords");

/**
 * The DKIM records of one zone of domains.yaml, in a cdktf stack of one's
 * own: the same records, under the same logical ids, as the stack of that
 * zone in dkimctl's own app, checked the same way (an invalid domains.yaml
 * or dkim.lock.yaml throws an InputError with the problems `dkimctl records`
 * reports). It reads those two files only, never a key store.
 *
 * The stack keeps its own backend and providers: DkimRecords adds neither,
 * and its resources use the stack's provider of the zone's kind. A stack
 * holds the DkimRecords of one zone at most of a provider that lists a
 * zone's existing `_domainkey` records: the listing has one
 * address per stack.
 *
 * @example
 * new DkimRecords(stack, "dkim", { config: "domains.yaml", zone: "example.com" });
 */
export class DkimRecords extends Construct {
  /** Whether `x` is a DkimRecords. */
  static isDkimRecords(x: unknown): x is DkimRecords {
    return typeof x === "object" && x !== null && DKIM_RECORDS in x;
  }

  /** The zone from domains.yaml (name in its published form, provider, zoneId). */
  readonly zone: Zone;
  /** The records added, as `dkimctl records` lists them for the zone. */
  readonly records: readonly DesiredRecord[];

  constructor(scope: Construct, id: string, props: DkimRecordsProps) {
    super(scope, id);
    const config = typeof props.config === "object" ? props.config : loadConfig(configPath(props.config));
    const zone = zoneOf(config, props.zone, this.node.path);
    // Every zone's records are checked, as synth of dkimctl's own app and `dkimctl records` check them.
    const records = desiredRecords(config, Lock.read(config.lockFile)).filter((r) => r.zone === zone.name);
    const stack = TerraformStack.of(this);
    checkAlone(stack, zone, this.node.path);
    const wanted = zoneConstructs(zone);
    if (props.provider && props.provider.terraformResourceType !== wanted.terraformType)
      throw new Error(
        `DkimRecords '${this.node.path}': ${zone.name} is a ${zone.provider} zone, ` +
          `but its 'provider' is one of type '${props.provider.terraformResourceType}': give ${wanted.oneProvider}`,
      );
    if (!props.provider) this.node.addValidation({ validate: () => providerProblems(stack, zone, this.node.path) });
    Object.defineProperty(this, DKIM_RECORDS, { value: true });
    this.zone = zone;
    this.records = records;
    addZoneRecords(this, {
      zone,
      records,
      ...(props.zoneId !== undefined ? { zoneId: props.zoneId } : {}),
      ...(props.provider ? { provider: props.provider } : {}),
    });
  }
}

/** The zone of domains.yaml that `name` names, or an Error that says which names there are. */
function zoneOf(config: Config, name: string, path: string): Zone {
  const zones = config.zones.map((z) => z.name);
  const choices = zones.length ? `its zones: ${zones.join(", ")}` : "it has no zones";
  const normalised = checkHostName(name, "publish");
  if (!normalised.ok) throw new Error(`DkimRecords '${path}': zone '${name}' ${normalised.reason}: give a zone of ${config.file} (${choices})`);
  const zone = config.zones.find((z) => z.name === normalised.value);
  if (zone) return zone;
  const domain = config.domains.find((d) => d.name === normalised.value);
  const hint = domain
    ? `${domain.name} is a domain in zone ${domain.zone}: give zone '${domain.zone}'`
    : `add it under 'zones:' with its provider, or give one of those`;
  throw new Error(`DkimRecords '${path}': ${normalised.value} is not a zone in ${config.file} (${choices}): ${hint}`);
}

/** One DkimRecords per zone, and one zone per stack of a provider that lists existing records (the listing has one address). */
function checkAlone(stack: TerraformStack, zone: Zone, path: string): void {
  const { title, existingRecords } = PROVIDERS[zone.provider];
  for (const other of stack.node.findAll().filter(DkimRecords.isDkimRecords)) {
    if (other.zone.name === zone.name)
      throw new Error(`DkimRecords '${path}': the records of ${zone.name} are already in stack '${stack.node.id}' (${other.node.path}): add them once`);
    if (other.zone.provider === zone.provider && existingRecords.can)
      throw new Error(
        `DkimRecords '${path}': stack '${stack.node.id}' already holds the records of ${title} zone ${other.zone.name} (${other.node.path}), ` +
          `and one stack holds those of one ${title} zone (the listing of its existing DKIM records, ${existingRecords.address}, has one address): ` +
          `put ${zone.name}'s DkimRecords in a stack of its own`,
      );
  }
}

/** At synth, so that the provider may be declared before or after DkimRecords: why the stack's provider will not do. */
function providerProblems(stack: TerraformStack, zone: Zone, path: string): string[] {
  const wanted = zoneConstructs(zone);
  const providers = stack.node
    .findAll()
    .filter((c): c is TerraformProvider => TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === wanted.terraformType);
  if (providers.some((p) => p.alias === undefined)) return [];
  const what = `DkimRecords '${path}' writes the DKIM records of ${zone.provider} zone ${zone.name}, but stack '${stack.node.id}'`;
  if (providers.length === 0) return [`${what} has no ${wanted.providerTitle} provider: add ${wanted.oneProvider} to the stack, e.g. ${wanted.addHint}`];
  const aliases = providers.map((p) => `${wanted.terraformType}.${p.alias}`).join(", ");
  return [
    `${what} has ${wanted.providerTitle} providers only with an alias (${aliases}): ` +
      "pass the one to use as DkimRecords' 'provider', or add one without an alias",
  ];
}
