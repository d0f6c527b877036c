/**
 * What dkimctl knows about a DNS provider without cdktf: the one interface
 * every `src/providers/<p>.ts` implements (its cdktf side, the resources it
 * adds to a stack, is `constructs/providers/<p>.ts`). Shaped after
 * DNSControl's providers (one module per provider, converting both ways, and
 * capabilities as `Can()`/`Cannot()`) and octoDNS's BaseProvider (`SUPPORTS`).
 * Nothing outside `src/providers/` and `constructs/providers/` names a
 * provider: the rest of dkimctl reads these fields.
 */

/** A capability the provider lacks, and what a user does instead (DNSControl's `Cannot("...")`). */
export interface Cannot {
  readonly can: false;
  /** For people, whole: e.g. "in Cloudflare, import the record with 'cdktf' import blocks or delete it first". */
  readonly why: string;
}

/** A capability: `{ can: true, ...what it takes }`, or Cannot with the reason. */
export type Capability<T extends object = object> = ({ readonly can: true } & T) | Cannot;

export const cannot = (why: string): Cannot => ({ can: false, why });

/** The shape of a provider's zone id, checked with the helpful errors of domains.yaml. */
export interface ZoneIdRule {
  /** The zone field that holds it in domains.yaml: `zoneId`. */
  readonly field: string;
  readonly pattern: RegExp;
  /** `Route53 hosted zone id` */
  readonly what: string;
  /** How one looks, and where to find it: `up to 32 upper-case letters and digits, e.g. Z0123…` */
  readonly shape: string;
  /** What people paste in front of an id (a resource path), dropped with a warning. */
  readonly pastedPrefix?: { readonly pattern: RegExp; readonly warning: (bare: string) => string };
}

/**
 * Reads one attribute of one side (`before`/`after`) of a resource change in
 * a plan: the value when it has the wanted shape, else undefined after
 * reporting what is wrong (`strings`: a list of strings).
 */
export interface ReadAttribute {
  (name: string, want: "string", required: boolean): string | undefined;
  (name: string, want: "number", required: boolean): number | undefined;
  /** A list of strings; with `key`, a list of objects (blocks) each holding a string at `key`, read as those strings. */
  (name: string, want: "strings", required: boolean, key?: string): string[] | undefined;
}

/** The zone a record is written into, as a stack knows it: its id there (a literal or a token) and what domains.yaml says of it. */
export interface ZoneRef {
  /** The id the zone's resources take (constructs/providers/<p>.ts `lookUpZone`, a zone id of domains.yaml, or one given to DkimRecords). */
  readonly id: string;
  /** Its name (published form). */
  readonly name: string;
  /** Its provider's options from domains.yaml (`zoneOptions`). */
  readonly options: Readonly<Record<string, string>>;
}

/** One side of a change of one of the provider's record resources, as the DNS record it describes. */
export interface PlannedRecord {
  /** The record's name as the resource holds it (canonicalised by check-plan). */
  readonly name?: string;
  /** The DNS type: TXT, CNAME. */
  readonly type?: string;
  readonly ttl?: number;
  /** The zone the record is written into, as the provider names it (compared with the zone's configured id). */
  readonly zoneId?: string;
  /** The record's values as the resource holds them (TXT: in the provider's form, read with `txt.read`), read after the name is checked. */
  readonly values: () => readonly string[] | undefined;
}

export interface DnsProvider {
  /** Its name in domains.yaml: `provider: <name>`. */
  readonly name: string;
  /** Its name for people: `Route53`. */
  readonly title: string;
  /** Where its record, TTL and import rules are documented (docs/providers.md links it). */
  readonly documentation: string;
  /**
   * When a customer's DNS is hosted here (signing-provider mode) and a
   * delegated slot is answered with the target's TXT instead of the CNAME:
   * how to keep the CNAME plain. Absent when the provider never flattens.
   */
  readonly plainCname?: string;

  /**
   * The zone fields it takes beside `provider`, each an optional string, with
   * its description in the zone schema (domains.schema.json). A field two
   * providers share has one description (e.g. ZONE_ID_FIELD) for both.
   * Plain text, not zod pieces: a command that reads a valid domains.yaml
   * never loads zod (src/config/config-shape.ts).
   */
  readonly zoneFields: Readonly<Record<string, string>>;
  /** The shape of the zone's id, when the provider's zones have one (absent: its zones are found by name only). */
  readonly zoneId?: ZoneIdRule;
  /**
   * Checks the zone's other fields (all but `provider` and the id), reporting
   * each problem at its field, and returns them for its constructs.
   * @default none
   */
  readonly zoneOptions?: (raw: Readonly<Record<string, unknown>>, at: (field: string, message: string) => void) => Readonly<Record<string, string>>;

  /**
   * How many records (record sets, its SOA and NS included) one of its zones
   * may hold unless the zone sets `recordQuota`: a zone over it is refused
   * before any plan (src/config/record-quota.ts).
   */
  readonly recordQuota: {
    readonly quota: number;
    /** How to get more, for people, completing "…, or <raise> and set 'recordQuota'": `have AWS raise it (…)`. */
    readonly raise: string;
  };

  readonly ttl: {
    /** For the schema and docs, when the provider limits TTLs: `Cloudflare: 1 for automatic, or 60..86400`. */
    readonly note?: string;
    /** Why `ttl` is not allowed in its zones, for people; undefined when it is. */
    problem(ttl: number): string | undefined;
  };

  /**
   * How a TXT record's character-strings (each at most 255 bytes) are
   * written in its record resource, and read back from it: `read(write(s))`
   * is `s` where the resource holds the strings, or the one string they
   * join to where it holds the value whole (the provider cuts it into
   * character-strings itself); either way what the provider serves joins to
   * what dkimctl wrote (no drift).
   */
  readonly txt: {
    write(strings: readonly string[]): string;
    read(value: string): string[];
    /**
     * The longest TXT value (its strings joined, in bytes) a record of the
     * provider holds, when the provider's limit is below what dkimctl
     * publishes; `why` says whose limit it is, for people. config refuses a
     * selector, rotation or DMARC record longer than this in its zones.
     * @default no limit below DNS's own
     */
    readonly maxValue?: { readonly bytes: number; readonly why: string };
  };

  /**
   * `adopt: true`: take over a record that already exists, with a Terraform
   * import block of this id (a literal, or a template Terraform evaluates at
   * plan time from what the stack reads).
   */
  readonly adopt: Capability<{ importId(zone: ZoneRef, record: { readonly name: string; readonly type: string }): string }>;

  /**
   * The zone's existing `_domainkey` (and `_dmarc`) records, listed at plan
   * time by a data source at `address`, so that check-plan refuses to create
   * over one this stack did not make. A stack holds one such zone (one address).
   */
  readonly existingRecords: Capability<{
    readonly address: string;
    /** The listed names (any case, trailing dot or not), from the data source's values in the plan's prior state. */
    names(values: Readonly<Record<string, unknown>>, bad: (message: string) => void): string[];
    /** What the provider does with a create over an existing record: `Route53 refuses to overwrite it`. */
    readonly onCreateOver: string;
  }>;

  /**
   * `dkimctl playground`: the local emulator its Terraform provider is pointed
   * at, so that a plan and a deploy need no account (src/playground/). Its zones
   * are created there by name; a provider without one has its zones left out.
   */
  readonly playground: Capability<{
    /** The emulator the playground starts: moto's server. */
    readonly emulator: "moto";
    /** What its Terraform provider needs to reach the emulator at `url`: endpoints, dummy credentials. */
    env(url: string): Readonly<Record<string, string>>;
    /** Creates the zone `name` in the emulator at `url`; resolves to the id the emulator gave it. */
    createZone(url: string, name: string): Promise<string>;
  }>;

  /** How check-plan reads its resources in a plan (`terraform show -json`). */
  readonly plan: {
    /** Resource types of its records. */
    readonly recordTypes: readonly string[];
    /** One side of a change of a record resource of type `type`. */
    record(type: string, read: ReadAttribute): PlannedRecord;
    /**
     * The zone a resource of the plan's prior state names, when it is one of
     * the provider's zones that dkimctl can write into: its look-up by name
     * (the data source a stack adds without a zone id), or a zone a stack of
     * one's own manages. check-plan confirms a looked-up zone's id with it.
     */
    zoneOf(resource: {
      readonly mode: "data" | "managed";
      readonly type: string;
      readonly values: Readonly<Record<string, unknown>>;
    }): { readonly name: string; readonly id: string } | undefined;
  };

  /**
   * What a customer whose own DNS is hosted here must do so that a CNAME it
   * creates for a DKIM selector is served as a CNAME (signing-provider mode:
   * `dkimctl instructions` shows it to every customer, who may host their
   * DNS anywhere). @default nothing to say
   */
  readonly delegationNote?: string;

  /** What `dkimctl init --provider <name>` writes. */
  readonly init: {
    /** The npm package of its cdktf bindings: an optional peer dependency of dkimctl. */
    readonly package: string;
    /** Commented lines under the zone's `provider:` in domains.yaml (its options, with an example), indented by four spaces. */
    zoneLines(zone: string): string[];
    /** The credentials its Terraform provider reads at plan and deploy time, for people: `CLOUDFLARE_API_TOKEN (…)`. */
    readonly credentials: string;
    /**
     * The environment variables of those credentials that the shipped GitHub
     * workflows running cdktf take from repository secrets of the same name
     * (`NAME: ${{ secrets.NAME }}` in their `env:`); init adds those the
     * workflows lack. Credentials that come another way (a role the workflow
     * assumes) are none. @default none
     */
    readonly secrets?: readonly string[];
  };
}
