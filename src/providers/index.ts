/**
 * The DNS providers, by their name in domains.yaml: one entry per
 * `src/providers/<p>.ts`. ProviderName is this registry's keys, so the cdktf
 * registry (constructs/providers/index.ts, a Record<ProviderName, …>) fails
 * to compile until it has the same providers.
 */
import { azure } from "./azure";
import { cloudflare } from "./cloudflare";
import { digitalocean } from "./digitalocean";
import { google } from "./google";
import type { DnsProvider } from "./provider";
import { route53 } from "./route53";

export const PROVIDERS = { route53, cloudflare, google, azure, digitalocean } as const satisfies Record<string, DnsProvider>;

export type ProviderName = keyof typeof PROVIDERS;

/** The providers' names, in the registry's order (the order of messages, the schema and docs). */
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

/** What `dkimctl init` writes without --provider. */
export const DEFAULT_PROVIDER: ProviderName = "route53";

export function isProviderName(name: unknown): name is ProviderName {
  return typeof name === "string" && Object.hasOwn(PROVIDERS, name);
}

/** The provider whose record resources have Terraform type `type`, if any. */
export function providerOfRecordType(type: string): DnsProvider | undefined {
  return Object.values(PROVIDERS).find((p: DnsProvider) => p.plan.recordTypes.includes(type));
}
