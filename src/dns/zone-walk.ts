/**
 * Which zone holds a name, who delegates it, and whether its name servers
 * serve it: found the way a resolver finds it, by following referrals down
 * from the name's public suffix (whose servers the resolver names), asking
 * each server directly (RD=0). What a resolver hides behind one SERVFAIL or
 * NXDOMAIN, this says: a zone its parent does not delegate, a delegation to
 * servers that do not serve the zone (lame), a zone whose own NS records
 * name servers the parent does not delegate to.
 */
import { getPublicSuffix } from "tldts";
import { negativeZone } from "./chain";
import { describeExtendedError, type Message, type QuestionType, rcodeName } from "./message";
import { canonicalName } from "./names";
import type { QueryPool, Reply } from "./query-pool";
import { formatServer, type Server } from "./server";

export interface NameServerStatus {
  /** The NS host name. */
  readonly name: string;
  /** Where it was asked, e.g. `192.0.2.1:53`. */
  readonly address?: string;
  /** It answers authoritatively for the zone. */
  readonly ok: boolean;
  /** Why not: no address, REFUSED, not authoritative, no answer. */
  readonly problem?: string;
}

export type ZoneWalk =
  /** The zone holding the name, the zone that delegates it, and each delegated server's status. */
  | {
      readonly kind: "zone";
      readonly zone: string;
      /** The zone whose servers gave the referral; absent when the walk started at `zone`. */
      readonly parent?: string;
      /** The NS names the parent delegates to (at the start zone: what the resolver gives). */
      readonly delegatedTo: readonly string[];
      readonly servers: readonly NameServerStatus[];
      /** The NS names the zone itself publishes at its apex, from the first server that answers. */
      readonly zoneNs: readonly string[];
    }
  /** The name's registrable domain does not exist in its parent zone: nothing delegates it. */
  | { readonly kind: "not-delegated"; readonly domain: string; readonly parent: string }
  /** The walk could not be made (the resolver or the public suffix's servers fail). */
  | { readonly kind: "unknown"; readonly reason: string };

export interface ZoneWalkerOptions {
  /** Where to reach an NS host instead of its glue or A/AAAA records on `port`, keyed by the NS name (lower case, no trailing dot). */
  readonly nsAddresses?: ReadonlyMap<string, Server>;
  /** @default 53 */
  readonly port?: number;
}

/** Referrals followed at most (a resolver's own limit is of the same order). */
const MAX_DEPTH = 12;

const parentOf = (name: string): string => (name.includes(".") ? name.slice(name.indexOf(".") + 1) : "");
const isAtOrBelow = (name: string, zone: string): boolean => zone === "" || name === zone || name.endsWith(`.${zone}`);

/**
 * Walks delegations for many names with shared caches: each zone's servers
 * and status are found once per walker, each host's addresses once, and a
 * zone cut found for one name is where the walk of every name below it starts.
 */
export class ZoneWalker {
  private readonly walks = new Map<string, Promise<ZoneWalk>>();
  private readonly hosts = new Map<string, Promise<Server[]>>();
  private readonly zones = new Map<string, Promise<{ servers: NameServerStatus[]; zoneNs: string[] }>>();
  /** Zone cuts met in referrals: zone -> the NS names and addresses its parent gave. */
  private readonly cuts = new Map<string, { parent: string; delegatedTo: string[]; servers: Promise<Server[][]> }>();

  constructor(
    private readonly pool: QueryPool,
    /** The recursive resolvers that name the public suffixes' servers and the NS hosts' addresses. */
    private readonly resolvers: readonly Server[],
    private readonly opts: ZoneWalkerOptions = {},
  ) {}

  /** The zone that holds `name` and the state of its delegation. */
  zoneOf(name: string): Promise<ZoneWalk> {
    const key = canonicalName(name);
    let walk = this.walks.get(key);
    if (!walk) {
      walk = this.walk(key);
      this.walks.set(key, walk);
    }
    return walk;
  }

  /** Each address of the NS host `host`: its pin, else the resolver's A and AAAA records, on the walker's port. */
  addresses(host: string, glue: readonly string[] = []): Promise<Server[]> {
    const key = canonicalName(host);
    const pinned = this.opts.nsAddresses?.get(key);
    if (pinned) return Promise.resolve([pinned]);
    const port = this.opts.port ?? 53;
    if (glue.length) return Promise.resolve(glue.map((ip) => ({ host: ip, port })));
    let found = this.hosts.get(key);
    if (!found) {
      found = Promise.all([this.recursive(key, "A"), this.recursive(key, "AAAA")]).then(([a, aaaa]) =>
        [a, aaaa].flatMap((m) => (m ? m.answers.flatMap((r) => (r.type === "A" || r.type === "AAAA" ? [{ host: r.data, port }] : [])) : [])),
      );
      this.hosts.set(key, found);
    }
    return found;
  }

  /** Asks the resolvers in turn (RD=1) until one answers NOERROR or NXDOMAIN. */
  async recursive(name: string, type: QuestionType): Promise<Message | undefined> {
    for (const server of this.resolvers) {
      const reply = await this.pool.ask(server, name, type, { recursionDesired: true });
      if (reply.ok && (reply.message.rcode === 0 || reply.message.rcode === 3)) return reply.message;
    }
    return undefined;
  }

  private async walk(name: string): Promise<ZoneWalk> {
    const start = await this.start(name);
    if (start.kind === "unknown") return start;
    let { zone, parent, delegatedTo, servers } = start;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const reply = await firstAnswer(this.pool, servers.flat(), name, "NS");
      if (!reply) {
        // Nobody answers for the start zone: the resolver's view is all there is.
        if (parent === undefined) return { kind: "unknown", reason: `no server of ${zone || "the root"} answers for ${name}` };
        return this.zoneResult(zone, parent, delegatedTo, servers);
      }
      const m = reply.message;
      const cut = referral(m, name, zone);
      if (cut) {
        const glue = (host: string) => m.additional.flatMap((r) => ((r.type === "A" || r.type === "AAAA") && canonicalName(r.name) === host ? [r.data] : []));
        const known = this.cuts.get(cut.zone) ?? {
          parent: zone,
          delegatedTo: cut.ns,
          servers: Promise.all(cut.ns.map((ns) => this.addresses(ns, glue(ns)))),
        };
        this.cuts.set(cut.zone, known);
        [parent, zone, delegatedTo, servers] = [known.parent, cut.zone, known.delegatedTo, await known.servers];
        continue;
      }
      // A server of `zone` that also serves a zone below it answers from there: that zone (its SOA) holds the name.
      const deeper = negativeZone(m);
      if (m.authoritative && deeper && deeper !== zone && isAtOrBelow(deeper, zone) && isAtOrBelow(name, deeper)) {
        const ns = await firstAnswer(this.pool, servers.flat(), deeper, "NS");
        const names = ns ? nsNames(ns.message, deeper) : [];
        if (names.length) {
          [parent, zone, delegatedTo, servers] = [zone, deeper, names, await Promise.all(names.map((n) => this.addresses(n)))];
          continue;
        }
      }
      // The name does not exist in `zone`: when `zone` is above the name's registrable domain, nothing delegates that domain.
      const domain = registrable(name);
      if (m.rcode === 3 && domain !== zone && isAtOrBelow(domain, zone)) {
        const asked = domain === name ? reply : await firstAnswer(this.pool, servers.flat(), domain, "NS");
        if (asked?.message.rcode === 3) return { kind: "not-delegated", domain, parent: zone };
      }
      return this.zoneResult(zone, parent, delegatedTo, servers);
    }
    return { kind: "unknown", reason: `more than ${MAX_DEPTH} referrals below ${start.zone || "the root"}` };
  }

  /** Where the walk of `name` starts: the deepest zone cut already met above it, else its public suffix's servers as the resolver names them. */
  private async start(
    name: string,
  ): Promise<{ kind: "start"; zone: string; parent?: string; delegatedTo: string[]; servers: Server[][] } | { kind: "unknown"; reason: string }> {
    for (let z = name; ; z = parentOf(z)) {
      const cut = this.cuts.get(z);
      if (cut) return { kind: "start", zone: z, parent: cut.parent, delegatedTo: cut.delegatedTo, servers: await cut.servers };
      if (z === "") break;
    }
    // The ICANN section only: a private suffix (github.io) is a registrable domain in DNS, with a zone of its own to walk into.
    let zone = getPublicSuffix(name, { allowPrivateDomains: false }) ?? parentOf(name);
    if (zone === name) zone = parentOf(name);
    for (;;) {
      const m = await this.recursive(zone || ".", "NS");
      const ns = m ? nsNames(m, zone) : [];
      if (ns.length) return { kind: "start", zone, delegatedTo: ns, servers: await Promise.all(ns.map((n) => this.addresses(n))) };
      if (zone === "") return { kind: "unknown", reason: "the resolver names no server of the root or of the name's public suffix" };
      zone = parentOf(zone);
    }
  }

  private async zoneResult(zone: string, parent: string | undefined, delegatedTo: string[], servers: Server[][]): Promise<ZoneWalk> {
    let status = this.zones.get(zone);
    if (!status) {
      status = this.checkServers(zone, delegatedTo, servers);
      this.zones.set(zone, status);
    }
    const { servers: checked, zoneNs } = await status;
    return { kind: "zone", zone, ...(parent !== undefined ? { parent } : {}), delegatedTo, servers: checked, zoneNs };
  }

  /** Asks every delegated server for the zone's NS records (RD=0): an authoritative answer is a server that serves the zone. */
  private async checkServers(zone: string, names: string[], servers: Server[][]): Promise<{ servers: NameServerStatus[]; zoneNs: string[] }> {
    let zoneNs: string[] = [];
    const checked = await Promise.all(
      names.map(async (name, i): Promise<NameServerStatus> => {
        if (servers[i].length === 0) return { name, ok: false, problem: "no address (no glue, no A or AAAA record)" };
        let last: NameServerStatus | undefined;
        for (const server of servers[i]) {
          const reply = await this.pool.ask(server, zone || ".", "NS", { recursionDesired: false });
          const problem = authoritativeProblem(reply, zone);
          last = { name, address: formatServer(server), ok: !problem, ...(problem ? { problem } : {}) };
          if (!problem && reply.ok) {
            if (zoneNs.length === 0)
              zoneNs = [
                ...new Set(reply.message.answers.flatMap((r) => (r.type === "NS" && canonicalName(r.name) === zone ? [canonicalName(r.data)] : []))),
              ].sort();
            return last;
          }
        }
        return last!;
      }),
    );
    return { servers: checked, zoneNs };
  }
}

/** The NS names of `zone` in an answer, sorted. */
const nsNames = (m: Message, zone: string): string[] =>
  [...new Set(m.answers.flatMap((r) => (r.type === "NS" && canonicalName(r.name) === zone ? [canonicalName(r.data)] : [])))].sort();

/** The name's registrable domain (ICANN section), or the name itself when it has none. */
function registrable(name: string): string {
  const suffix = getPublicSuffix(name, { allowPrivateDomains: false });
  if (!suffix || suffix === name) return name;
  const rest = name.slice(0, name.length - suffix.length - 1);
  return `${rest.slice(rest.lastIndexOf(".") + 1)}.${suffix}`;
}

/** The first authoritative answer or referral from `servers` in turn; undefined when none gives one. */
async function firstAnswer(pool: QueryPool, servers: readonly Server[], name: string, type: QuestionType): Promise<Extract<Reply, { ok: true }> | undefined> {
  for (const server of servers) {
    const reply = await pool.ask(server, name, type, { recursionDesired: false });
    if (!reply.ok || (reply.message.rcode !== 0 && reply.message.rcode !== 3)) continue;
    if (reply.message.authoritative || reply.message.authority.some((r) => r.type === "NS")) return reply;
  }
  return undefined;
}

/** A referral from a server of `zone` down towards `name`: the child zone and its NS names. */
function referral(m: Message, name: string, zone: string): { zone: string; ns: string[] } | undefined {
  if (m.authoritative) return undefined;
  const ns = m.authority.flatMap((r) => (r.type === "NS" ? [{ owner: canonicalName(r.name), host: canonicalName(r.data) }] : []));
  const child = ns[0]?.owner;
  // Only downward: a child below the zone asked, at or above the name (an upward referral is a lame server's).
  if (child === undefined || child === zone || !isAtOrBelow(child, zone) || !isAtOrBelow(name, child)) return undefined;
  return { zone: child, ns: [...new Set(ns.filter((r) => r.owner === child).map((r) => r.host))].sort() };
}

/** Why a reply to `zone NS` is not an authoritative answer for the zone, or undefined when it is. */
export function authoritativeProblem(reply: Reply, zone: string): string | undefined {
  if (!reply.ok) return reply.reason;
  const m = reply.message;
  const ede = m.extendedErrors.length ? ` (${m.extendedErrors.map(describeExtendedError).join("; ")})` : "";
  if (m.rcode !== 0) return `${rcodeName(m.rcode)}${ede}: it does not serve ${zone || "the root"}`;
  if (!m.authoritative) return `not authoritative for ${zone || "the root"} (no AA bit${m.authority.some((r) => r.type === "NS") ? ", a referral" : ""})`;
  if (!m.answers.some((r) => r.type === "NS" && canonicalName(r.name) === zone)) return `its answer holds no NS records for ${zone || "the root"}`;
  return undefined;
}
