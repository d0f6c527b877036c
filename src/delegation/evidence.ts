/**
 * What DNS says about one customer slot, gathered as receivers see it
 * (through a recursive resolver, which follows the CNAME into our key zone)
 * or from the customer's own name servers (`--authoritative`), with the
 * extra questions a state needs: the answer with checking disabled after a
 * SERVFAIL (DNSSEC), the CNAME links one by one (a loop), the doubled name,
 * other record types, and the customer zone's delegation. classify.ts reads
 * the evidence; nothing here decides a state.
 */
import { followChain, negativeZone } from "../dns/chain";
import { describeExtendedError, type Message, rcodeName } from "../dns/message";
import { canonicalName } from "../dns/names";
import { type QueryPool, type Reply, SERVFAIL } from "../dns/query-pool";
import { parseServer, type Server } from "../dns/server";
import type { ZoneWalk, ZoneWalker } from "../dns/zone-walk";
import type { SlotSpec } from "./slot";

/** What one answer says about one name's TXT. */
export interface Look {
  readonly outcome: "answer" | "nxdomain" | "nodata" | "servfail" | "error";
  /** The CNAME chain from the name, as far as the answer holds it. */
  readonly chain: readonly string[];
  readonly loop: boolean;
  /** The TXT records at the chain's end (or the name), each joined. */
  readonly txt: readonly string[];
  /** For a negative answer: the zone that gave it (its SOA). */
  readonly zone?: string;
  /** For a failure: why, in the server's words (RCODE, Extended DNS Errors, timeout). */
  readonly reason?: string;
}

export interface Evidence {
  /** The TXT question at the slot's name. */
  readonly at: Look;
  /** SERVFAIL, but answered with checking disabled: DNSSEC validation fails; what is underneath. */
  readonly bogus?: { readonly reason: string; readonly underneath: Look };
  /** After a failure: the CNAME links from the name, asked one at a time. */
  readonly links?: { readonly chain: readonly string[]; readonly loop: boolean };
  /** The TXT at our target, when the answer at the name does not carry it. */
  readonly target?: Look;
  /** `<name>.<customer>`, when nothing is at the name. */
  readonly doubled?: Look;
  /** Record types other than TXT and CNAME at the name, when it has neither. */
  readonly others?: readonly string[];
  /** The customer's zone and its delegation, when the name fails or holds nothing. */
  readonly zone?: ZoneWalk;
  /** The slot's records at a name server the customer's zone names but its parent does not delegate to. */
  readonly elsewhere?: { readonly server: string; readonly look: Look };
  /** Our own resolver gave no answer at all (timeout, refused): nothing is known of the slot. */
  readonly resolverFailed?: boolean;
  /** --authoritative: the customer's servers disagree; what each said. */
  readonly disagree?: readonly { readonly server: string; readonly look: Look }[];
}

export interface GatherContext {
  readonly pool: QueryPool;
  readonly walker: ZoneWalker;
  /** The recursive resolvers, asked in turn. */
  readonly resolvers: readonly Server[];
}

/** The types asked at a name that has neither TXT nor CNAME, to tell "nothing" from "something else". */
const OTHER_TYPES = ["A", "AAAA", "MX"] as const;

/** How many CNAME links are asked one by one before giving up (a loop is found long before). */
const MAX_LINKS = 16;

/** Reads a reply to a TXT question for `name`; `authoritative`: only an AA answer counts. */
export function lookOf(reply: Reply, name: string, authoritative = false): Look {
  if (!reply.ok) return { outcome: "error", chain: [], loop: false, txt: [], reason: reply.reason };
  const m = reply.message;
  const ede = m.extendedErrors.map(describeExtendedError).join("; ");
  if (m.rcode === SERVFAIL) return { outcome: "servfail", chain: [], loop: false, txt: [], reason: `SERVFAIL${ede ? ` (${ede})` : ""}` };
  if (m.rcode !== 0 && m.rcode !== 3) return { outcome: "error", chain: [], loop: false, txt: [], reason: `${rcodeName(m.rcode)}${ede ? ` (${ede})` : ""}` };
  if (authoritative && !m.authoritative) return { outcome: "error", chain: [], loop: false, txt: [], reason: "the server is not authoritative for the name" };
  const chain = followChain(m, name, (owner) => txtAt(m, owner).length > 0);
  const txt = chain.loop ? [] : txtAt(m, chain.end);
  const zone = negativeZone(m);
  const outcome = m.rcode === 3 ? "nxdomain" : txt.length || chain.targets.length ? "answer" : "nodata";
  return { outcome, chain: chain.targets, loop: chain.loop, txt, ...(zone !== undefined && outcome !== "answer" ? { zone } : {}) };
}

const txtAt = (m: Message, owner: string): string[] => m.answers.flatMap((r) => (r.type === "TXT" && canonicalName(r.name) === owner ? [r.data.join("")] : []));

/** Asks the resolvers in turn until one gives an answer (any RCODE); the last failure otherwise. */
async function askResolvers(ctx: GatherContext, name: string, type: "TXT" | "CNAME" | "A" | "AAAA" | "MX", cd = false): Promise<Reply> {
  let last: Reply = { ok: false, code: "ENETWORK", reason: "no resolver to ask" };
  for (const server of ctx.resolvers) {
    last = await ctx.pool.ask(server, name, type, { recursionDesired: true, checkingDisabled: cd });
    if (last.ok) return last;
  }
  return last;
}

/** The doubled name of a slot (`esp1._domainkey.example.com.example.com`), if DNS can carry it. */
export function doubledName(spec: SlotSpec): string | undefined {
  const name = `${spec.name}.${spec.customer}`;
  return Buffer.byteLength(name) <= 253 ? name : undefined;
}

/** Evidence through the recursive resolver, as a receiver's resolver sees the slot. */
export async function gatherRecursive(spec: SlotSpec, ctx: GatherContext): Promise<Evidence> {
  const at = lookOf(await askResolvers(ctx, spec.name, "TXT"), spec.name);
  if (at.outcome === "servfail") {
    const cd = await askResolvers(ctx, spec.name, "TXT", true);
    if (cd.ok && (cd.message.rcode === 0 || cd.message.rcode === 3))
      return { at, bogus: { reason: at.reason ?? "SERVFAIL", underneath: lookOf(cd, spec.name) } };
  }
  if (at.outcome === "servfail" || at.outcome === "error") {
    // The name's own CNAME says where it points even when the chain cannot be resolved to its end.
    const links = await followLinks(ctx, spec.name);
    if (at.outcome === "error" && !links.chain.length) return { at, resolverFailed: true };
    if (links.chain.length && !links.loop && links.chain[0] !== canonicalName(spec.target)) return { at, links };
    // The chain reaches our target and the failure is there: ask the target itself.
    const target = links.chain[0] === canonicalName(spec.target) ? lookOf(await askResolvers(ctx, spec.target, "TXT"), spec.target) : undefined;
    const zone = target || links.loop ? undefined : await ctx.walker.zoneOf(spec.customer);
    return { at, links, ...(target ? { target } : {}), ...(zone ? { zone } : {}) };
  }
  if (at.chain.length || at.txt.length) return { at };
  return { at, ...(await aroundNothing(spec, ctx, at, (name, type) => askResolvers(ctx, name, type))) };
}

/** Evidence from every name server the customer's zone is delegated to, asked directly (RD=0). */
export async function gatherAuthoritative(spec: SlotSpec, ctx: GatherContext): Promise<Evidence> {
  const zone = await ctx.walker.zoneOf(spec.customer);
  const servers = serversOf(zone);
  if (servers.length === 0) return { at: { outcome: "error", chain: [], loop: false, txt: [], reason: noServerReason(zone) }, zone };
  const looks = await Promise.all(
    servers.map(async (s) => ({ server: s.label, look: lookOf(await ctx.pool.ask(s.server, spec.name, "TXT", { recursionDesired: false }), spec.name, true) })),
  );
  const key = (l: Look) => JSON.stringify([l.outcome, l.chain, l.txt]);
  if (looks.some((l) => key(l.look) !== key(looks[0].look))) return { at: looks[0].look, disagree: looks, zone };
  const at = looks[0].look;
  const first = servers[0].server;
  if (at.outcome === "servfail" || at.outcome === "error") return { at, zone };
  if (at.chain.length) {
    // A server adds only its own zones' links: our target's TXT comes from our key zone's servers.
    if (at.chain[0] !== canonicalName(spec.target) || at.txt.length) return { at };
    const keyServers = serversOf(await ctx.walker.zoneOf(spec.keyZone));
    const target = keyServers.length
      ? lookOf(await ctx.pool.ask(keyServers[0].server, spec.target, "TXT", { recursionDesired: false }), spec.target, true)
      : lookOf(await askResolvers(ctx, spec.target, "TXT"), spec.target);
    return { at, target };
  }
  if (at.txt.length) return { at };
  return { at, ...(await aroundNothing(spec, ctx, at, (name, type) => ctx.pool.ask(first, name, type, { recursionDesired: false }), zone)) };
}

/** Nothing at the name: the doubled name, other types, and the zone's delegation (lame, not delegated, records made elsewhere). */
async function aroundNothing(
  spec: SlotSpec,
  ctx: GatherContext,
  at: Look,
  ask: (name: string, type: "TXT" | (typeof OTHER_TYPES)[number]) => Promise<Reply>,
  walked?: ZoneWalk,
): Promise<Omit<Evidence, "at">> {
  const doubled = doubledName(spec);
  const [doubledLook, others, zone] = await Promise.all([
    doubled ? ask(doubled, "TXT").then((r) => lookOf(r, doubled)) : undefined,
    at.outcome === "nodata" ? otherTypes(spec.name, ask) : [],
    walked ?? ctx.walker.zoneOf(spec.customer),
  ]);
  const elsewhere = await recordsElsewhere(spec, ctx, zone);
  return {
    ...(doubledLook ? { doubled: doubledLook } : {}),
    ...(others.length ? { others } : {}),
    zone,
    ...(elsewhere ? { elsewhere } : {}),
  };
}

async function otherTypes(name: string, ask: (name: string, type: (typeof OTHER_TYPES)[number]) => Promise<Reply>): Promise<string[]> {
  const found = await Promise.all(
    OTHER_TYPES.map(async (type) => {
      const r = await ask(name, type);
      return r.ok && r.message.answers.some((rr) => rr.type === type && canonicalName(rr.name) === canonicalName(name)) ? [type] : [];
    }),
  );
  return found.flat();
}

/**
 * The customer's zone names servers at its apex that its parent does not
 * delegate to (NS records changed in the zone, not at the registrar): ask
 * them for the slot. Records there are records no resolver sees.
 */
async function recordsElsewhere(spec: SlotSpec, ctx: GatherContext, zone: ZoneWalk): Promise<Evidence["elsewhere"]> {
  if (zone.kind !== "zone") return undefined;
  const extra = zone.zoneNs.filter((ns) => !zone.delegatedTo.includes(ns));
  for (const ns of extra) {
    for (const server of await ctx.walker.addresses(ns)) {
      const look = lookOf(await ctx.pool.ask(server, spec.name, "TXT", { recursionDesired: false }), spec.name, true);
      if (look.chain.length || look.txt.length) return { server: ns, look };
    }
  }
  return undefined;
}

/** The CNAME links from `name`, one question each (a resolver answers a CNAME question without following it). */
async function followLinks(ctx: GatherContext, name: string): Promise<{ chain: string[]; loop: boolean }> {
  const chain: string[] = [];
  const seen = new Set([canonicalName(name)]);
  let owner = canonicalName(name);
  while (chain.length < MAX_LINKS) {
    const r = await askResolvers(ctx, owner, "CNAME");
    const cname = r.ok ? r.message.answers.find((rr) => rr.type === "CNAME" && canonicalName(rr.name) === owner) : undefined;
    if (cname?.type !== "CNAME") break;
    owner = canonicalName(cname.data);
    chain.push(owner);
    if (seen.has(owner)) return { chain, loop: true };
    seen.add(owner);
  }
  return { chain, loop: false };
}

/** The servers of a walked zone that answer for it, each with its address. */
function serversOf(zone: ZoneWalk): { label: string; server: Server }[] {
  if (zone.kind !== "zone") return [];
  return zone.servers.flatMap((s) => {
    const server = s.ok && s.address ? parseServer(s.address) : undefined;
    return server ? [{ label: `${s.name} (${s.address})`, server }] : [];
  });
}

function noServerReason(zone: ZoneWalk): string {
  if (zone.kind === "unknown") return zone.reason;
  if (zone.kind === "not-delegated") return `${zone.domain} is not delegated by ${zone.parent}`;
  return `no name server of ${zone.zone} answers for it`;
}
