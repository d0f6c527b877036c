/** The validated, normalised configuration that the rest of dkimctl reads. */
import type { KeyAlgorithm } from "../dkim/keys";
import type { DmarcPolicy } from "../dmarc/policy";
import type { SpfRequirement } from "../spf/requirement";
import type { ProviderName } from "../providers";
import type { RotationPolicy } from "./rotation-policy";
import type { SlotPolicy } from "./slot-policy";

/** How a customer delegates its slots: a CNAME to our target, or the key record published by the customer. */
export const DELEGATIONS = ["cname", "txt"] as const;
export type Delegation = (typeof DELEGATIONS)[number];

/** The kinds of key store, as keyStore names them. */
export const KEY_STORE_KINDS = ["local", "age", "awsSecretsManager"] as const;

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface Zone {
  /** Published form: lower-case A-labels, no trailing dot. */
  readonly name: string;
  readonly provider: ProviderName;
  /** The provider's id of the zone, as its record resources take it. Looked up by name when absent. */
  readonly zoneId?: string;
  /** The provider's other zone options, checked by it (src/providers/<provider>.ts `zoneOptions`); often none. */
  readonly options: Readonly<Record<string, string>>;
  /** The most records the provider lets the zone hold, its SOA and NS included (`recordQuota`, or the provider's quota). */
  readonly recordQuota: number;
  /** A key zone: how many stacks its customers' records are spread over (src/config/zone-stacks.ts); absent: the zone's own stack. */
  readonly stacks?: number;
  /** Where the zone is declared, for later messages. */
  readonly position: Position;
}

export type SelectorSource =
  | { readonly kind: "generated"; readonly algorithm: KeyAlgorithm }
  | { readonly kind: "provided" /** normalised DKIM key record */; readonly txt: string }
  | { readonly kind: "delegated" /** host name, no trailing dot */; readonly cname: string };

export interface Selector {
  readonly name: string;
  readonly domain: string;
  readonly ttl: number;
  readonly testing: boolean;
  readonly note?: string;
  readonly source: SelectorSource;
  /** Take over a record that already exists in the zone instead of refusing to overwrite it. */
  readonly adopt: boolean;
  /** Where the selector is declared, for later messages. */
  readonly position: Position;
}

export interface Domain {
  readonly name: string;
  /** Name of the zone the domain's records go into. */
  readonly zone: string;
  /** Selectors written in domains.yaml. */
  readonly selectors: readonly Selector[];
  /** Present when dkimctl rotates the domain's keys; its selectors then live in the lock. */
  readonly rotation?: RotationPolicy;
  /** TTL of the records of rotated selectors, and of the DMARC and DKIM null records. */
  readonly ttl: number;
  /**
   * The effective DMARC policy published at `_dmarc.<domain>` (defaults.dmarc
   * merged with the domain's own); absent when none is published there. A
   * parked domain's is p=reject, sp=reject.
   */
  readonly dmarc?: DmarcPolicy;
  /** Take over a `_dmarc` record that already exists in the zone (where its provider can: `adopt`). */
  readonly adoptDmarc?: boolean;
  /** Sends no mail: DMARC p=reject and a DKIM null record `*._domainkey` (empty p=) are published; no selectors. */
  readonly parked: boolean;
  /** What the domain's SPF record must authorise (checked by verify, never published). */
  readonly spf?: SpfRequirement;
  /** Where the domain is declared, for later messages. */
  readonly position: Position;
}

/**
 * Signing-provider mode: a sender domain whose keys we publish in a key zone
 * of ours; it delegates each of its slots `<slot>._domainkey.<name>` there
 * (src/config/customer-slots.ts lists them with their targets).
 */
export interface Customer {
  /** Published form: lower-case A-labels, no trailing dot. */
  readonly name: string;
  /** The zone (in `zones`) its keys are published in. */
  readonly keyZone: string;
  /** The selectors it delegates, each one label, in the configured order. */
  readonly slots: readonly string[];
  /** `cname`: it points each slot at our target once; `txt`: it publishes the key record itself. */
  readonly delegation: Delegation;
  /** Algorithm of its keys. */
  readonly algorithm: KeyAlgorithm;
  /** TTL of its records (the CNAMEs or key records it creates, and the key records at our targets). */
  readonly ttl: number;
  /** How its keys rotate through its slots. */
  readonly rotation: SlotPolicy;
  /** Where it is listed: domains.yaml or the list file. */
  readonly position: Position;
}

export type Backend =
  | { readonly kind: "local" }
  | { readonly kind: "s3"; readonly bucket: string; readonly region: string; readonly keyPrefix: string; readonly dynamodbTable?: string }
  | { readonly kind: "cloud"; readonly organization: string; readonly workspacePrefix: string; readonly hostname?: string };

/** Where private keys live (domains.yaml `keyStore`). Directories are absolute. */
export type KeyStoreSpec =
  | { readonly kind: "local"; readonly dir: string /** Set by domains.yaml rather than the default. */; readonly configured: boolean }
  | { readonly kind: "age"; readonly dir: string; readonly recipients: readonly string[] }
  | {
      readonly kind: "awsSecretsManager";
      readonly region: string;
      /** The id that marks this project's secrets (tag dkimctl:project). */
      readonly project: string;
      readonly prefix: string;
      readonly kmsKeyId?: string;
      readonly tags: Readonly<Record<string, string>>;
    };

export interface Config {
  /** Path of domains.yaml as given. */
  readonly file: string;
  /** Path of dkim.lock.yaml: beside the config. */
  readonly lockFile: string;
  readonly backend: Backend;
  readonly keyStore: KeyStoreSpec;
  readonly zones: readonly Zone[];
  readonly domains: readonly Domain[];
  /** Signing-provider mode's customers (`customers:`), sorted by name. */
  readonly customers: readonly Customer[];
  /** Non-fatal notes (e.g. key sizes), already formatted with file:line:col. */
  readonly warnings: readonly string[];
  /** The options that found this project on the command line (`--config F`, `--key-store D`), repeated in hints (commandHint). */
  readonly invocation?: readonly string[];
}
