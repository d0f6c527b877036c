/**
 * One customer slot's state from DNS evidence, with what the customer must
 * change. Pure: evidence.ts gathers, this decides. The states and reasons
 * are documented in docs/validation.md.
 */
import { parseKeyRecord } from "../dkim/record";
import { PROVIDERS } from "../providers";
import type { DnsProvider } from "../providers/provider";
import { canonicalName } from "../dns/names";
import type { ZoneWalk } from "../dns/zone-walk";
import type { Evidence, Look } from "./evidence";
import type { Found, SlotResult, SlotSpec, SlotState } from "./slot";
import { describeWrongTarget, hostLabel, type TargetIndex } from "./targets";

/** How DNS hosts that flatten or proxy CNAMEs keep one plain, as each provider documents it. */
const PLAIN_CNAME = Object.values(PROVIDERS)
  .flatMap((p: DnsProvider) => (p.plainCname ? [`${p.title}: ${p.plainCname}`] : []))
  .map((note) => ` (${note})`)
  .join("");

/** Whether two key records carry the same key (the `p=` and key type; other tags may differ), else the same text. */
export function sameKey(a: string, b: string): boolean {
  const [x, y] = [parseKeyRecord(a), parseKeyRecord(b)];
  if (x.ok && y.ok) return x.publicKey !== "" && x.publicKey === y.publicKey && x.keyType === y.keyType;
  return a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
}

export function classify(spec: SlotSpec, ev: Evidence, index: TargetIndex): SlotResult {
  const host = hostLabel(spec);
  const target = canonicalName(spec.target);
  const cname = spec.delegation === "cname";
  const create = cname ? `create ${host} CNAME ${target} at your DNS host` : `create ${host} TXT with the key record from your set-up page at your DNS host`;
  const found = foundOf(ev.at, ev.others);
  const result = (state: SlotState, reason: string, detail: string, fix: string, extra: Partial<Pick<SlotResult, "found" | "ours">> = {}): SlotResult => ({
    customer: spec.customer,
    slot: spec.slot,
    name: spec.name,
    target,
    delegation: spec.delegation,
    state,
    reason,
    detail,
    fix,
    found,
    ...(state === "delegated" && spec.fingerprint ? { key: spec.fingerprint } : {}),
    ...extra,
  });

  if (ev.disagree) {
    const zone = ev.zone?.kind === "zone" ? ev.zone.zone : spec.customer;
    const said = ev.disagree.map((d) => `${d.server}: ${summary(d.look)}`).join("; ");
    return result(
      "broken",
      "servers-disagree",
      `the name servers of ${zone} disagree (${said})`,
      `make every name server of ${zone} serve the same records (a secondary not updated?); then ${create.replace(/ at your DNS host$/, "")}`,
    );
  }
  if (ev.resolverFailed)
    return result(
      "broken",
      "resolver-failed",
      `our resolver gave no answer (${ev.at.reason}): nothing is known of this slot`,
      "nothing to change at the customer: check the resolver",
      {
        ours: true,
      },
    );
  if (ev.bogus)
    return result(
      "broken",
      "dnssec",
      `DNSSEC validation fails (${ev.bogus.reason}); without validation the name ${summary(ev.bogus.underneath)}`,
      `fix DNSSEC for ${spec.customer}: re-sign the zone at your DNS host, or, if you moved to another DNS host, replace the DS record at your registrar ` +
        "(validating receivers see no key until then)",
      { found: foundOf(ev.bogus.underneath) },
    );
  const broken = brokenDelegation(ev.zone, ev.elsewhere, create);
  if (ev.at.outcome === "servfail" || ev.at.outcome === "error") {
    if (ev.links?.loop) return loop(result, [spec.name, ...ev.links.chain], host, target);
    if (ev.links?.chain[0] === target && ev.target) return viaTarget(spec, ev.target, result, ev.links.chain);
    if (ev.links?.chain.length) {
      const links = ev.links.chain;
      if (!cname) return result("conflicting", "cname", `a CNAME to ${links[0]} where the key record belongs`, `delete the CNAME at ${host}, then ${create}`);
      const wrong = describeWrongTarget(spec, links[0], links, index);
      return result("wrong-target", wrong.reason, wrong.detail, wrong.fix, { found: { cname: links } });
    }
    if (broken) return result("broken", broken.reason, broken.detail, broken.fix);
    const timeout = /no answer|timed out/i.test(ev.at.reason ?? "");
    return result(
      "broken",
      timeout ? "timeout" : "servfail",
      `${spec.name} cannot be resolved: ${ev.at.reason ?? ev.at.outcome}`,
      `make your DNS host's name servers answer for ${spec.customer} (they ${timeout ? "do not answer" : "fail"}); ` +
        `then check that ${create.replace(/^create /, "")}`,
    );
  }
  if (ev.at.loop) return loop(result, [spec.name, ...ev.at.chain], host, target);
  if (ev.at.chain.length) {
    const first = ev.at.chain[0];
    if (!cname) {
      if (ev.at.txt.length === 1 && sameKey(ev.at.txt[0], spec.expected))
        return result("delegated", "via-cname", `a CNAME to ${first} that serves the key`, "");
      return result("conflicting", "cname", `a CNAME to ${first} where the key record belongs`, `delete the CNAME at ${host}, then ${create}`);
    }
    if (first === target) return viaTarget(spec, ev.target ?? ev.at, result, ev.at.chain);
    const wrong = describeWrongTarget(spec, first, ev.at.chain, index);
    return result("wrong-target", wrong.reason, wrong.detail, wrong.fix);
  }
  if (ev.at.txt.length) {
    const matching = ev.at.txt.filter((t) => sameKey(t, spec.expected));
    if (ev.at.txt.length === 1 && matching.length === 1)
      return cname
        ? result(
            "flattened",
            "key-copied",
            `a TXT record equal to our current key but no CNAME: the DNS host flattens or proxies the CNAME, or the key was copied by hand`,
            `make ${host} a CNAME to ${target}${PLAIN_CNAME}: this key changes at the next rotation`,
          )
        : result("delegated", "key", "the TXT record is the key in the lock", "");
    const txt = describeTxt(spec, ev.at.txt, matching.length > 0);
    return result("conflicting", txt.reason, txt.detail, cname ? `delete the TXT record at ${host}, then ${create}` : txt.fix);
  }
  // Nothing at the name.
  const doubled = ev.doubled;
  if (doubled && (doubled.chain.length || doubled.txt.length))
    return result(
      "doubled-name",
      "doubled-name",
      `the record is at ${spec.name}.${spec.customer} (${summary(doubled)}): the DNS host appended your domain to a full name`,
      `rename it to ${host} (your DNS host adds ${spec.customer} itself), or enter the full name with a trailing dot`,
      { found: { ...foundOf(doubled), at: `${spec.name}.${spec.customer}` } },
    );
  if (broken) return result("broken", broken.reason, broken.detail, broken.fix, broken.found ? { found: broken.found } : {});
  if (ev.others?.length)
    return result(
      "conflicting",
      "other-records",
      `${ev.others.join(", ")} record${ev.others.length > 1 ? "s" : ""} at the name, no ${cname ? "CNAME" : "TXT"}`,
      `delete the ${ev.others.join(" and ")} record${ev.others.length > 1 ? "s" : ""} at ${host}, then ${create}`,
    );
  const nx = ev.at.outcome === "nxdomain";
  return result("pending", nx ? "nxdomain" : "nodata", nx ? "no such name (NXDOMAIN)" : "the name exists but has no record of its own (NODATA)", create);
}

type Make = (state: SlotState, reason: string, detail: string, fix: string, extra?: Partial<Pick<SlotResult, "found" | "ours">>) => SlotResult;

function loop(result: Make, names: readonly string[], host: string, target: string): SlotResult {
  return result(
    "broken",
    "cname-loop",
    `CNAME loop: ${names.join(" -> ")}`,
    `make ${host} one CNAME straight to ${target} and delete the CNAME that leads back to it`,
    { found: { cname: names.slice(1) } },
  );
}

/** The CNAME points at our target: delegated when the target serves the key; otherwise the fault is ours. */
function viaTarget(spec: SlotSpec, look: Look, result: Make, chain: readonly string[]): SlotResult {
  if (look.txt.length === 1 && sameKey(look.txt[0], spec.expected)) return result("delegated", "cname", "", "", { found: { cname: chain, txt: look.txt } });
  const what =
    look.outcome === "servfail" || look.outcome === "error"
      ? `our target cannot be resolved (${look.reason})`
      : look.txt.length === 0
        ? "our target serves no key"
        : look.txt.length > 1
          ? `our target serves ${look.txt.length} TXT records`
          : "our target serves another key than the lock's";
  return result(
    "broken",
    "target-not-served",
    `the CNAME is right, but ${what}`,
    "nothing to change at the customer: the provider must publish the key zone (dkimctl records, then deploy)",
    { ours: true, found: { cname: chain, txt: look.txt } },
  );
}

/** Why TXT records at the slot are not the ones wanted. */
function describeTxt(spec: SlotSpec, txts: readonly string[], oneMatches: boolean): { reason: string; detail: string; fix: string } {
  const host = hostLabel(spec);
  const replace = `replace the TXT record at ${host} with the key record from your set-up page`;
  if (txts.length > 1)
    return {
      reason: "several-txt",
      detail: `${txts.length} TXT records at the name${oneMatches ? ", one of them our key" : ""}: a verifier needs exactly one (RFC 6376 3.6.2.2)`,
      fix: oneMatches ? `delete the other TXT records at ${host}` : replace,
    };
  const value = txts[0];
  const target = canonicalName(spec.target);
  if (value.toLowerCase().includes(target)) return { reason: "target-as-txt", detail: `our target ${target} pasted as a TXT record`, fix: replace };
  const parsed = parseKeyRecord(value);
  if (!parsed.ok) return { reason: "not-dkim", detail: "a TXT record that is not a DKIM key", fix: replace };
  if (parsed.publicKey === "") return { reason: "revoked-key", detail: "an empty key (p=): a revoked key", fix: replace };
  if ((spec.previous ?? []).some((p) => sameKey(p, value))) return { reason: "old-key", detail: "an old key of ours", fix: replace };
  return { reason: "other-key", detail: "a DKIM key that is not ours (another provider's, or one from before)", fix: replace };
}

/** A delegation problem of the customer's zone that explains an answer, if the walk found one. */
function brokenDelegation(
  zone: ZoneWalk | undefined,
  elsewhere: Evidence["elsewhere"],
  create: string,
): { reason: string; detail: string; fix: string; found?: Found } | undefined {
  if (!zone) return undefined;
  if (zone.kind === "not-delegated")
    return {
      reason: "not-delegated",
      detail: `${zone.domain} is not delegated: ${zone.parent || "the root"} has no NS records for it`,
      fix: `set the name servers of ${zone.domain} at its registrar (has the domain expired?), then ${create}`,
    };
  if (zone.kind !== "zone") return undefined;
  const lame = zone.servers.filter((s) => !s.ok);
  if (lame.length && lame.length === zone.servers.length)
    return {
      reason: "lame-delegation",
      detail:
        `${zone.parent ?? "its parent"} delegates ${zone.zone} to ${lame.map((s) => `${s.name} (${s.problem})`).join(", ")}: ` +
        "no server it names serves the zone",
      fix: `at your registrar, set the name servers of ${zone.zone} to those of the DNS host that holds the zone, then ${create}`,
    };
  if (elsewhere)
    return {
      reason: "undelegated-host",
      detail:
        `the record is at ${elsewhere.server} (${summary(elsewhere.look)}), but ${zone.parent ?? "the parent zone"} delegates ${zone.zone} to ` +
        `${zone.delegatedTo.join(", ")}: no resolver asks ${elsewhere.server}`,
      fix: `create the record at the DNS host of ${zone.delegatedTo[0]}, or make ${zone.zone}'s registrar delegate to ${elsewhere.server}`,
      found: { ...foundOf(elsewhere.look), at: elsewhere.server },
    };
  return undefined;
}

function foundOf(look: Look, others?: readonly string[]): Found {
  return {
    ...(look.chain.length ? { cname: look.chain } : {}),
    ...(look.txt.length ? { txt: look.txt } : {}),
    ...(others?.length ? { other: others } : {}),
  };
}

/** What a look found, in a few words. */
function summary(look: Look): string {
  if (look.chain.length) return `a CNAME to ${look.chain[0]}`;
  if (look.txt.length) return `${look.txt.length === 1 ? "a TXT record" : `${look.txt.length} TXT records`}`;
  if (look.outcome === "servfail" || look.outcome === "error") return `fails (${look.reason})`;
  return look.outcome === "nxdomain" ? "does not exist" : "has no records";
}
