/**
 * Gathering DNS answers for every desired record, through a resolver or from
 * each authoritative server, behind injected lookups so tests can fake them;
 * and each sender domain's DMARC and SPF, for its readiness.
 */
import type { Domain } from "../config/model";
import { checkDmarc } from "../dmarc/check";
import type { LookupResult, LookupType } from "../dns/lookup";
import { canonicalName } from "../dns/names";
import { formatServer, type Server } from "../dns/server";
import { mapLimit } from "../map-limit";
import type { DesiredRecord } from "../records";
import { checkParkedSpf, checkSpf } from "../spf/check";
import { type Check, combine, compare, type ServerFinding } from "./compare";
import { type Readiness, readiness } from "./readiness";

/** The lookups verify needs through a (recursive) resolver; ResolverLookup implements it. */
export interface ResolverLike {
  lookup(name: string, type: LookupType): Promise<LookupResult>;
  nameservers(zone: string): Promise<string[]>;
  addresses(host: string): Promise<string[]>;
}

/** Asks one authoritative server; authoritativeLookup implements it. */
export type AskServer = (server: Server, name: string, type: LookupType) => Promise<LookupResult>;

export type Checker = (records: readonly DesiredRecord[]) => Promise<Check[]>;

const CONCURRENCY = 8;

/** Checks each record with one lookup through the resolver. */
export function viaResolver(resolver: ResolverLike): Checker {
  return (records) => mapLimit(records, CONCURRENCY, async (record) => ({ record, ...compare(record, await resolver.lookup(record.name, record.type)) }));
}

export interface AuthoritativeOptions {
  /** Where to reach an NS host instead of its A/AAAA records on port 53, keyed by the NS name (lower case, no trailing dot). */
  readonly nsAddresses?: ReadonlyMap<string, Server>;
  /** @default 53 */
  readonly port?: number;
}

interface NameServer {
  readonly name: string;
  readonly addresses: readonly Server[];
  /** Set when the addresses could not be found. */
  readonly problem?: string;
}

/**
 * Checks each record on every authoritative server of its zone: the zone's NS
 * names come from the resolver, then their addresses (unless pinned by
 * `nsAddresses`); each server is asked directly with RD=0. A server with
 * several addresses counts once: the first address that answers.
 */
export function viaAuthoritative(resolver: ResolverLike, ask: AskServer, opts: AuthoritativeOptions = {}): Checker {
  const port = opts.port ?? 53;
  const findServers = async (zone: string): Promise<NameServer[]> => {
    const names = await resolver.nameservers(zone);
    return Promise.all(
      names.map(async (name): Promise<NameServer> => {
        const pinned = opts.nsAddresses?.get(canonicalName(name));
        if (pinned) return { name, addresses: [pinned] };
        try {
          return { name, addresses: (await resolver.addresses(name)).map((host) => ({ host, port })) };
        } catch (e) {
          return { name, addresses: [], problem: (e as Error).message };
        }
      }),
    );
  };
  const askServer = async (ns: NameServer, record: DesiredRecord): Promise<ServerFinding> => {
    if (ns.problem) return { server: ns.name, status: "error", found: [], detail: ns.problem };
    let last: ServerFinding | undefined;
    for (const address of ns.addresses) {
      const server = `${ns.name} (${formatServer(address)})`;
      last = { server, ...compare(record, await ask(address, record.name, record.type)) };
      if (last.status !== "error") return last;
    }
    return last!;
  };
  return async (records) => {
    const zones = new Map<string, Promise<NameServer[]>>();
    for (const r of records) if (!zones.has(r.zone)) zones.set(r.zone, findServers(r.zone));
    // Settle each zone's lookup once; a zone whose NS cannot be found fails its records, not the run.
    const servers = new Map<string, NameServer[] | Error>();
    for (const [zone, p] of zones) servers.set(zone, await p.catch((e: Error) => e));
    const tasks = records.flatMap((record, index) => {
      const s = servers.get(record.zone)!;
      return s instanceof Error ? [] : s.map((ns) => ({ index, record, ns }));
    });
    const findings = await mapLimit(tasks, CONCURRENCY, (t) => askServer(t.ns, t.record));
    return records.map((record, index) => {
      const s = servers.get(record.zone)!;
      if (s instanceof Error) return { record, status: "error" as const, found: [], detail: s.message };
      return combine(
        record,
        findings.filter((_, i) => tasks[i].index === index),
      );
    });
  };
}

/**
 * The readiness of each sender domain: its DMARC and SPF checked through the
 * resolver (SPF follows includes into other people's zones, so never through
 * one zone's authoritative servers), combined with the record checks already
 * made.
 */
export async function gatherReadiness(domains: readonly Domain[], checks: readonly Check[], resolver: Pick<ResolverLike, "lookup">): Promise<Readiness[]> {
  const lookup = (name: string, type: LookupType) => resolver.lookup(name, type);
  // Each domain's checks, grouped once (Map.groupBy needs Node 21).
  const byDomain = new Map<string, Check[]>();
  for (const c of checks) {
    const list = byDomain.get(c.record.domain);
    if (list) list.push(c);
    else byDomain.set(c.record.domain, [c]);
  }
  return mapLimit(domains, CONCURRENCY, async (domain) => {
    const [dmarc, spf] = await Promise.all([
      checkDmarc(domain.name, lookup, domain.dmarc ? { desired: domain.dmarc } : {}),
      domain.parked ? checkParkedSpf(domain.name, resolver) : checkSpf(domain.name, resolver, domain.spf),
    ]);
    return readiness({ domain, checks: byDomain.get(domain.name) ?? [], dmarc, spf });
  });
}
