/**
 * check-plan's judgement of DMARC records (`_dmarc.<domain>`): a plan that
 * removes a DMARC record, or weakens its policy (p= or sp= from reject to
 * quarantine or none), passes only when domains.yaml asks for exactly that;
 * it is then a warning, for the reviewer.
 */
import { abbreviate } from "../dkim/record";
import { dispositionRank } from "../dmarc/policy";
import { dispositionsOf } from "../dmarc/record";
import { excerpt } from "../redact";
import type { DesiredRecord } from "../records";

/** One side of a resource change, as check-plan reads it. */
export interface PlanSide {
  readonly name: string;
  readonly type: string;
  readonly value: string;
}

type Say = (address: string, name: string | undefined, message: string) => void;

/** `p=reject, sp=quarantine`, or why the value is no DMARC policy. */
function policyText(value: string): string {
  const d = dispositionsOf(value);
  return d ? `p=${d.p}, sp=${d.sp}` : "no DMARC policy";
}

/** Whether `after` is weaker than `before` in p= or sp= (a value without a DMARC policy is the weakest). */
function weakens(before: string, after: string): boolean {
  const [b, a] = [dispositionsOf(before), dispositionsOf(after)];
  if (!b) return false;
  if (!a) return true;
  return dispositionRank(a.p) < dispositionRank(b.p) || dispositionRank(a.sp) < dispositionRank(b.sp);
}

/** Each judgement of the DMARC record of `domain` (the sender domain the record's name is built from) at `rec.name`. */
export interface DmarcJudge {
  /** The record leaves DNS; `why` says what the resource does instead, if anything. */
  deleted(address: string, domain: string, rec: PlanSide, why?: string): void;
  /** The record is deleted and recreated under the same name. */
  replaced(address: string, domain: string, rec: PlanSide): void;
  /** The record stays in DNS but leaves Terraform's management. */
  forgotten(address: string, rec: PlanSide): void;
  /** The record gets published (`before`: the same record set's old side); true when its TTL and zone remain to be compared. */
  published(address: string, domain: string, creates: boolean, actions: string, rec: PlanSide, before?: PlanSide): boolean;
}

/**
 * `desired`: every desired record by name; `existing`: names in the zone this stack did not create, each with what
 * the provider does with a create over it.
 */
export function dmarcJudge(desired: ReadonlyMap<string, DesiredRecord>, existing: ReadonlyMap<string, string>, say: { error: Say; warn: Say }): DmarcJudge {
  const { error, warn } = say;
  const fallBack = "receivers then apply the organizational domain's record (its sp=), or no DMARC policy at all";
  return {
    deleted(address, domain, rec, why) {
      const instead = why ? ` (${why})` : "";
      if (desired.has(rec.name))
        error(
          address,
          rec.name,
          `the plan deletes the DMARC record of ${domain}${instead}, which domains.yaml still publishes: ${fallBack}. ` +
            "Change the record in place (the zone and name must not change)",
        );
      else warn(address, rec.name, `the plan removes the DMARC record of ${domain} (${policyText(rec.value)}), as domains.yaml asks: ${fallBack}`);
    },
    replaced(address, domain, rec) {
      warn(address, rec.name, `the plan replaces the DMARC record of ${domain}: while it is recreated, ${fallBack}`);
    },
    forgotten(address, rec) {
      if (desired.has(rec.name))
        error(
          address,
          rec.name,
          `the plan forgets ${rec.name} (Terraform stops managing it; the record stays in DNS), but domains.yaml still publishes it: ` +
            "dkimctl could no longer change or remove it. Remove the 'removed' block (or 'lifecycle { destroy = false }') that asks for this and plan again",
        );
      else warn(address, rec.name, `the plan forgets ${rec.name}, a DMARC record no longer in domains.yaml: it stays in DNS, unmanaged`);
    },
    published(address, domain, creates, actions, rec, before) {
      const wanted = desired.get(rec.name);
      if (creates && existing.has(rec.name)) {
        error(
          address,
          rec.name,
          `the plan creates ${rec.name}, but the zone already has a record there that this stack did not create, and ${existing.get(rec.name)}. ` +
            `To take it over (its value becomes the one dkimctl publishes), set 'adopt: true' in the dmarc of ${domain} in domains.yaml and plan again; ` +
            "or delete the record from the zone",
        );
        return false;
      }
      if (!wanted) {
        error(address, rec.name, `the plan ${actions}s ${rec.name}, which domains.yaml does not produce: run 'dkimctl records' to see what it does`);
        return false;
      }
      const asked = rec.type === wanted.type && rec.value === wanted.value;
      if (before && weakens(before.value, rec.value)) {
        const change = `weakens the DMARC policy of ${domain} from ${policyText(before.value)} to ${policyText(rec.value)}`;
        if (asked) warn(address, rec.name, `the plan ${change}, as domains.yaml asks`);
        else
          error(
            address,
            rec.name,
            `the plan ${change}, which domains.yaml does not ask for (it gives ${policyText(wanted.value)}): ` +
              "re-run 'cdktf synth' from this commit and plan again",
          );
      } else if (!asked)
        error(
          address,
          rec.name,
          `the plan publishes ${rec.type} '${excerpt(abbreviate(rec.value), 80)}' where domains.yaml gives ${wanted.type} '${excerpt(wanted.value, 80)}': ` +
            "re-run 'cdktf synth' from this commit and plan again",
        );
      return true;
    },
  };
}
