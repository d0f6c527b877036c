/**
 * Where a wrong CNAME points, said so the customer can see the mistake: the
 * other slot's target, another customer's, our target with the customer's
 * domain appended by a control panel, a near miss of our target (a typo), a
 * name in our key zone that is no target, or another email provider.
 */
import { distance } from "fastest-levenshtein";
import { canonicalName } from "../dns/names";
import type { SlotSpec } from "./slot";

/** Every target we publish, to name whose a CNAME points at. */
export class TargetIndex {
  private readonly owners = new Map<string, { customer: string; slot: string }>();
  private readonly zones = new Set<string>();

  constructor(slots: Iterable<SlotSpec>) {
    for (const s of slots) {
      this.owners.set(canonicalName(s.target), { customer: s.customer, slot: s.slot });
      this.zones.add(canonicalName(s.keyZone));
    }
  }

  ownerOf(target: string): { customer: string; slot: string } | undefined {
    return this.owners.get(canonicalName(target));
  }

  /** Our key zone that holds `name`, if any. */
  keyZoneOf(name: string): string | undefined {
    const n = canonicalName(name);
    return [...this.zones].find((z) => n === z || n.endsWith(`.${z}`));
  }
}

/**
 * Other providers' DKIM CNAME targets, by the suffix of the name they point
 * to, each as its provider's set-up documentation gives it.
 */
export const OTHER_PROVIDERS: readonly { suffix: string; name: string }[] = [
  // https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html: <token>._domainkey CNAME <token>.dkim.amazonses.com
  { suffix: "dkim.amazonses.com", name: "Amazon SES" },
  // https://learn.microsoft.com/en-us/defender-office-365/email-authentication-dkim-configure:
  // selector1._domainkey CNAME selector1-<domain>._domainkey.<tenant>.onmicrosoft.com, or ....dkim.mail.microsoft
  { suffix: "onmicrosoft.com", name: "Microsoft 365" },
  { suffix: "dkim.mail.microsoft", name: "Microsoft 365" },
  // https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication: s1._domainkey CNAME s1.domainkey.u<id>.wl<n>.sendgrid.net
  { suffix: "sendgrid.net", name: "SendGrid" },
  // https://mailchimp.com/help/set-up-email-domain-authentication/: k2._domainkey CNAME dkim2.mcsv.net
  { suffix: "mcsv.net", name: "Mailchimp" },
  // https://mailchimp.com/developer/transactional/docs/authentication-delivery/: mte1._domainkey CNAME dkim1.mandrillapp.com
  { suffix: "mandrillapp.com", name: "Mailchimp Transactional (Mandrill)" },
];

export function otherProvider(target: string): string | undefined {
  const n = canonicalName(target);
  return OTHER_PROVIDERS.find((p) => n === p.suffix || n.endsWith(`.${p.suffix}`))?.name;
}

/** A typo: at most this many edits, and at most a tenth of the target's length. */
const NEAR_MISS_EDITS = 3;

export interface WrongTarget {
  readonly reason: "other-slot" | "other-customer" | "appended-domain" | "near-miss" | "indirect" | "our-zone" | "other-provider" | "elsewhere";
  readonly detail: string;
  readonly fix: string;
}

/**
 * Why a CNAME at the slot points to `found` (the first link) instead of our
 * target, and what to change; `chain` is the whole chain as far as known.
 */
export function describeWrongTarget(spec: SlotSpec, found: string, chain: readonly string[], index: TargetIndex): WrongTarget {
  const target = canonicalName(spec.target);
  const f = canonicalName(found);
  const host = hostLabel(spec);
  const pointTo = `make ${host} a CNAME to ${target}`;
  const owner = index.ownerOf(f);
  if (owner && owner.customer === spec.customer)
    return {
      reason: "other-slot",
      detail: `points to the target of slot ${owner.slot}, ${f}: the slots are crossed`,
      fix: `${pointTo} (each slot has its own target; ${owner.slot}'s is ${f})`,
    };
  if (owner)
    return {
      reason: "other-customer",
      detail: `points to ${f}, the target of ${owner.customer}: copied from another customer's records?`,
      fix: `${pointTo}: the targets of your domain are on your own set-up page`,
    };
  const appended = f.startsWith(`${target}.`) ? f.slice(target.length + 1) : undefined;
  if (appended !== undefined && (spec.customer === appended || spec.customer.endsWith(`.${appended}`)))
    return {
      reason: "appended-domain",
      detail: `points to ${f}: the DNS host appended your domain to the target`,
      fix: `${pointTo}, entered with a trailing dot (${target}.) so that your DNS host takes it as a full name`,
    };
  if (chain.includes(target))
    return {
      reason: "indirect",
      detail: `points to ${f}, which leads on to ${target}: it works only as long as ${f} does`,
      fix: `${pointTo} directly, not through ${f}`,
    };
  const edits = distance(f, target);
  if (edits <= NEAR_MISS_EDITS && edits <= Math.ceil(target.length / 10))
    return {
      reason: "near-miss",
      detail: `points to ${f}, a near miss of ${target} (${edits} character${edits === 1 ? "" : "s"} differ, from position ${firstDifference(f, target) + 1})`,
      fix: `correct the target to ${target}: copy it from the set-up page rather than typing it`,
    };
  if (index.keyZoneOf(f))
    return {
      reason: "our-zone",
      detail: `points to ${f}, a name in our key zone that is no target of this slot (an old set-up page?)`,
      fix: `${pointTo}`,
    };
  const provider = otherProvider(f);
  if (provider)
    return {
      reason: "other-provider",
      detail: `points to ${f}, a DKIM key of ${provider}, not ours`,
      fix: `${pointTo}; if you also send through ${provider}, keep its records under its own selectors: ${spec.slot} is ours`,
    };
  return { reason: "elsewhere", detail: `points to ${f}, not to ${target}`, fix: pointTo };
}

/** The record's host as most DNS control panels want it: relative to the customer's domain. */
export const hostLabel = (spec: SlotSpec): string => `${spec.slot}._domainkey`;

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
