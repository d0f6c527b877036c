/**
 * `dkimctl check-plan`: reads a saved Terraform plan (`terraform show -json
 * PLAN`) and refuses the changes that would break signing or that
 * domains.yaml and the lock do not explain. CI runs it between plan and
 * apply.
 */
import type { Config } from "../config/model";
import { parseQuotedTxt, joinTxt } from "../dkim/txt";
import type { Lock } from "../keys/lock";
import { DesiredRecord, desiredRecords } from "../records";
import { EXISTING_RECORDS_ADDRESS } from "../../constructs/logical-id";

/** Resource types dkimctl creates. */
const RECORD_TYPES = ["aws_route53_record", "cloudflare_dns_record"] as const;

export interface PlanFinding {
  readonly address: string;
  readonly name?: string;
  readonly severity: "error" | "warning";
  readonly message: string;
}

interface ResourceChange {
  address: string;
  mode: string;
  type: string;
  change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
}

/** The DNS record a plan-side resource object describes. */
function recordOf(type: string, values: Record<string, unknown> | null): { name: string; type: string; value: string } | undefined {
  if (!values || typeof values.name !== "string") return undefined;
  const name = values.name.toLowerCase().replace(/\.$/, "");
  const rrtype = String(values.type ?? "");
  let value: string;
  if (type === "aws_route53_record") {
    const recs = Array.isArray(values.records) ? (values.records as string[]) : [];
    // The provider wraps a TXT value in quotes: "a""b" is the strings a and b.
    value = rrtype === "TXT" ? recs.map((r) => joinTxt(parseQuotedTxt(`"${r}"`))).join("\n") : recs.join("\n");
  } else {
    const content = String(values.content ?? "");
    value = rrtype === "TXT" ? joinTxt(parseQuotedTxt(content)) : content;
  }
  if (rrtype === "CNAME") value = value.toLowerCase().replace(/\.$/, "");
  return { name, type: rrtype, value };
}

const SELECTOR_NAME = /^(.+)\._domainkey\.(.+)$/;

/** Checks the plan; returns every finding (errors fail the check). */
export function checkPlan(plan: unknown, config: Config, lock: Lock): PlanFinding[] {
  if (typeof plan !== "object" || plan === null || !("format_version" in plan))
    throw new Error("not a Terraform JSON plan: make it with 'terraform show -json PLANFILE > plan.json'");
  const changes = ((plan as { resource_changes?: ResourceChange[] }).resource_changes ?? []).filter((c) => c.mode === "managed");
  const desired = new Map<string, DesiredRecord>(desiredRecords(config, lock).map((r) => [r.name, r]));
  const handWritten = new Set(config.domains.flatMap((d) => d.selectors.map((s) => `${s.name}._domainkey.${d.name}`)));
  const existing = existingNames(plan);
  const findings: PlanFinding[] = [];
  const error = (address: string, name: string | undefined, message: string) => findings.push({ address, ...(name ? { name } : {}), severity: "error", message });
  const warn = (address: string, name: string | undefined, message: string) => findings.push({ address, ...(name ? { name } : {}), severity: "warning", message });

  for (const c of changes) {
    const actions = c.change.actions;
    if (actions.every((a) => a === "no-op" || a === "read")) continue;
    if (!(RECORD_TYPES as readonly string[]).includes(c.type)) {
      error(c.address, undefined, `the plan ${actions.join("+")}s a ${c.type}, which dkimctl does not make: only DKIM records belong in these stacks`);
      continue;
    }
    const before = recordOf(c.type, c.change.before);
    const after = recordOf(c.type, c.change.after);
    const name = (after ?? before)?.name;
    const match = name ? SELECTOR_NAME.exec(name) : null;
    if (!name || !match) {
      error(c.address, name, `${name ?? "a record"} is not a DKIM selector record (<selector>._domainkey.<domain>): it is not derived from domains.yaml`);
      continue;
    }
    const [, selector, domain] = match;
    const entry = lock.get(domain, selector);
    const wanted = desired.get(name);
    const deletes = actions.includes("delete");

    if (deletes) {
      // What is the selector doing now? Pending and active keys are in use (or about to be).
      const inUse = entry?.state === "pending" || entry?.state === "active" || (entry?.state === undefined && handWritten.has(name));
      if (inUse && (after === undefined || before?.name === after.name)) {
        const what = entry?.state ?? "active";
        error(
          c.address,
          name,
          `the plan ${after ? "replaces" : "deletes"} the record of ${what} selector ${selector} of ${domain}: mail signed with it${what === "pending" ? " from the next rotation" : ""} would fail to verify${after ? " while the record is recreated" : ""}. ${after ? "Change records in place (the zone or name must not change), or publish a new selector" : "Let dkimctl rotate retire it"}`,
        );
        continue;
      }
      if (!after && entry?.state !== undefined && entry.state !== "removed")
        error(c.address, name, `the plan deletes ${selector} of ${domain}, which the lock still has as ${entry.state}: a key leaves DNS only once dkimctl rotate has removed it`);
      else if (!after && entry?.state === undefined && !wanted)
        warn(c.address, name, `the plan deletes ${name}, a selector no longer in domains.yaml: make sure no signer still uses it`);
    }
    if (after && actions.length === 1 && actions[0] === "create" && existing.has(name)) {
      error(
        c.address,
        name,
        `the plan creates ${name}, but the zone already has a record there that this stack did not create, and Route53 refuses to overwrite it. To take it over (its value becomes the one dkimctl publishes), set 'adopt: true' on selector ${selector} of ${domain} in domains.yaml and plan again; or delete the record from the zone`,
      );
      continue;
    }
    if (after) {
      if (!wanted) {
        error(c.address, name, `the plan ${actions.join("+")}s ${name}, which domains.yaml and the lock do not produce: run 'dkimctl records' to see what they do`);
        continue;
      }
      if (after.type !== wanted.type || after.value !== wanted.value) {
        const key = (v: string) => /(?:^|;)\s*p=([^;]*)/.exec(v)?.[1];
        const why =
          after.type === "TXT" && wanted.type === "TXT" && key(after.value) !== key(wanted.value)
            ? `publishes a key for ${selector} of ${domain} that the lock does not have (lock ${entry?.fingerprint ?? "none"})`
            : `publishes ${after.type} '${after.value}' where domains.yaml and the lock give ${wanted.type} '${wanted.value}'`;
        error(c.address, name, `the plan ${why}: re-run 'cdktf synth' from this commit and plan again`);
      }
    }
  }
  return findings;
}

/** Names in the zone's `_domainkey` listing that the plan read (see constructs/existing-dkim-records.ts). */
function existingNames(plan: object): Set<string> {
  const names = new Set<string>();
  const visit = (module: { resources?: { address: string; values?: { resource_record_sets?: { name?: string }[] } }[]; child_modules?: unknown[] } | undefined) => {
    for (const r of module?.resources ?? [])
      if (r.address === EXISTING_RECORDS_ADDRESS) for (const set of r.values?.resource_record_sets ?? []) if (set.name) names.add(set.name.toLowerCase().replace(/\.$/, ""));
    for (const child of module?.child_modules ?? []) visit(child as typeof module);
  };
  visit((plan as { prior_state?: { values?: { root_module?: Parameters<typeof visit>[0] } } }).prior_state?.values?.root_module);
  return names;
}
