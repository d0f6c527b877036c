/**
 * A zone's fields in domains.yaml, checked by its provider's rules: fields
 * only other providers take, its zone id (with the helpful errors: an id of
 * another provider is named as such, a pasted resource path is dropped with
 * a warning), and its other options.
 */
import { excerpt } from "../redact";
import { wordList } from "../word-list";
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from "./index";
import type { DnsProvider } from "./provider";

/** Reports a problem at a field of the zone. */
export type ZoneReport = (field: string, message: string) => void;

/** What a zone of `provider` gets from its fields. */
export interface ZoneFields {
  readonly zoneId?: string;
  readonly options: Readonly<Record<string, string>>;
}

const all = (): DnsProvider[] => PROVIDER_NAMES.map((n) => PROVIDERS[n]);

/** The fields of `raw` (a zone's mapping) for a zone of `provider`; `zone` names it in messages. Every problem is reported. */
export function zoneFields(raw: Readonly<Record<string, unknown>>, provider: ProviderName, zone: string, at: ZoneReport, warn: ZoneReport): ZoneFields {
  const p: DnsProvider = PROVIDERS[provider];
  for (const field of Object.keys(raw)) {
    if (field === "provider" || field in p.zoneFields) continue;
    const takers = all().filter((o) => field in o.zoneFields);
    // A field no provider takes is the schema's to report (unknown field, with a suggestion).
    if (takers.length) at(field, `'${field}' is a field of ${takers.map((o) => o.name).join(", ")} zones, not of ${provider} zones: remove it`);
  }
  const rule = p.zoneId;
  const given = rule ? raw[rule.field] : undefined;
  const zoneId =
    rule && typeof given === "string"
      ? checkedZoneId(
          given,
          p,
          zone,
          (m) => at(rule.field, m),
          (m) => warn(rule.field, m),
        )
      : undefined;
  const options = p.zoneOptions?.(raw, at) ?? {};
  return { ...(zoneId !== undefined ? { zoneId } : {}), options };
}

/**
 * A zone id as the provider's API takes it (a pasted prefix dropped with a
 * warning), or undefined after reporting why it is not one; an id of another
 * provider is named as such.
 */
function checkedZoneId(raw: string, p: DnsProvider, zone: string, at: (message: string) => void, warn: (message: string) => void): string | undefined {
  const rule = p.zoneId!;
  const id = raw.trim();
  if (rule.pattern.test(id)) return id;
  const bare = all().reduce((s, o) => (o.zoneId?.pastedPrefix ? s.replace(o.zoneId.pastedPrefix.pattern, "") : s), id);
  if (rule.pastedPrefix && rule.pattern.test(bare)) {
    warn(rule.pastedPrefix.warning(bare));
    return bare;
  }
  // An id of the right shape in the wrong case is one in the wrong case, not another provider's id.
  const wrongCase = rule.pattern.test(bare.toLowerCase());
  const other = wrongCase ? undefined : all().find((o) => o !== p && o.zoneId?.field === rule.field && o.zoneId.pattern.test(bare));
  if (other)
    at(
      `'${excerpt(id)}' is a ${other.zoneId!.what}, but ${zone} is a ${p.name} zone: ` +
        `give its ${rule.what} (${rule.shape}), or set 'provider: ${other.name}'`,
    );
  else at(`'${excerpt(id)}' is not a ${p.name} zone id: a ${rule.what} is ${rule.shape}`);
  return undefined;
}

/** Why `adopt` is refused in a zone of `provider`, naming the providers where it works; undefined where it works. */
export function adoptProblem(provider: ProviderName): string | undefined {
  const adopt = PROVIDERS[provider].adopt;
  if (adopt.can) return undefined;
  return `'adopt' works in ${adoptingProviders()} zones only; ${adopt.why}`;
}

/** The titles of the providers that can take over an existing record, for the schema: `Route53, Google Cloud DNS, and Azure DNS`. */
export function adoptingProviders(): string {
  return wordList(
    all().flatMap((p) => (p.adopt.can ? [p.title] : [])),
    "and",
  );
}
