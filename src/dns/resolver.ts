/**
 * Lookups through a recursive resolver, for verify's default mode: TXT and
 * CNAME with our own `query()` (RD=1), NS and addresses with node:dns.
 */
import { promises as dns } from "node:dns";
import { type LookupResult, type LookupType, interpretAnswer } from "./lookup";
import { rcodeName } from "./message";
import { canonicalName } from "./names";
import { formatServer, parseServer, type Server } from "./server";
import { DnsQueryError, query } from "./transport";

export interface ResolverOptions {
  /** Per try, ms. @default 3000 */
  readonly timeoutMs?: number;
  /** @default 2 */
  readonly tries?: number;
}

/** Lookups through a recursive resolver (node:dns / c-ares): the given servers, or the system's. */
export class ResolverLookup {
  private readonly resolver: dns.Resolver;

  /** `servers`: IP addresses with ports; none means the system resolver (/etc/resolv.conf). */
  constructor(
    servers: readonly Server[] = [],
    private readonly opts: ResolverOptions = {},
  ) {
    this.resolver = new dns.Resolver({ timeout: opts.timeoutMs ?? 3000, tries: opts.tries ?? 2 });
    if (servers.length) this.resolver.setServers(servers.map(formatServer));
  }

  /** The servers asked, e.g. `127.0.0.1:5300`. */
  servers(): string[] {
    return this.resolver.getServers();
  }

  /**
   * Asks the resolvers in turn (RD=1, TCP after a truncated answer) until one
   * answers. Asked with our own client, not node:dns: c-ares returns every
   * TXT or CNAME record of the answer, whatever its owner name.
   */
  async lookup(name: string, type: LookupType): Promise<LookupResult> {
    const servers = this.servers().flatMap((s) => parseServer(s) ?? []);
    const timeoutMs = this.opts.timeoutMs ?? 3000;
    const tries = this.opts.tries ?? 2;
    let result: LookupResult = { kind: "error", reason: "no resolver configured (/etc/resolv.conf has no nameserver): give one with --resolver" };
    for (const server of servers) {
      try {
        const ask = (edns: boolean) => query(server, name, type, { recursionDesired: true, edns, timeoutMs, tries });
        let m = await ask(true);
        if (m.rcode === 1) m = await ask(false); // FORMERR: a resolver without EDNS(0) (RFC 6891 7)
        if (m.rcode !== 0 && m.rcode !== 3) result = { kind: "error", reason: rcodeReason(m.rcode) };
        else return interpretAnswer(m, name, type);
      } catch (e) {
        result = { kind: "error", reason: queryErrorReason(e) };
      }
    }
    return result;
  }

  /** The NS names of `zone`, sorted. Throws with a reason when there are none. */
  async nameservers(zone: string): Promise<string[]> {
    try {
      const names = [...new Set((await this.resolver.resolveNs(zone)).map(canonicalName))].sort();
      if (names.length) return names;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== dns.NODATA && code !== dns.NOTFOUND) throw new Error(`cannot look up the NS records of ${zone}: ${resolverErrorReason(e)}`);
      throw new Error(`${zone} has no NS records (${code === dns.NOTFOUND ? "NXDOMAIN" : "NODATA"}): is it the zone apex?`);
    }
    throw new Error(`${zone} has no NS records`);
  }

  /** IPv4 then IPv6 addresses of `host`. Throws with a reason when it has none. */
  async addresses(host: string): Promise<string[]> {
    const reasons: string[] = [];
    const get = async (f: () => Promise<string[]>) => {
      try {
        return await f();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== dns.NODATA && code !== dns.NOTFOUND) reasons.push(resolverErrorReason(e));
        return [];
      }
    };
    const [v4, v6] = await Promise.all([get(() => this.resolver.resolve4(host)), get(() => this.resolver.resolve6(host))]);
    if (v4.length + v6.length === 0)
      throw new Error(`cannot find the address of ${host}${reasons.length ? `: ${reasons[0]}` : ": it has no A or AAAA record"}`);
    return [...v4, ...v6];
  }

  cancel(): void {
    this.resolver.cancel();
  }
}

/** Why a resolver's answer with this RCODE is no answer, in the words resolverErrorReason uses. */
function rcodeReason(rcode: number): string {
  const name = rcodeName(rcode);
  return name === "REFUSED" ? "the resolver REFUSED the query" : `${name} from the resolver`;
}

/** Why an exchange with a resolver failed, in the words resolverErrorReason uses. */
function queryErrorReason(e: unknown): string {
  if (!(e instanceof DnsQueryError)) return (e as Error).message;
  switch (e.code) {
    case "ETIMEOUT":
      return "timed out waiting for the resolver";
    case "ECONNREFUSED":
      return "connection to the resolver refused (nothing listening?)";
    default:
      return e.message;
  }
}

/** Why a node:dns (c-ares) lookup failed. */
function resolverErrorReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case dns.SERVFAIL:
      return "SERVFAIL from the resolver";
    case dns.REFUSED:
      return "the resolver REFUSED the query";
    case dns.TIMEOUT:
      return "timed out waiting for the resolver";
    case dns.CONNREFUSED:
      return "connection to the resolver refused (nothing listening?)";
    case dns.FORMERR:
      return "FORMERR from the resolver";
    case dns.NOTIMP:
      return "NOTIMP from the resolver";
    case dns.BADRESP:
      return "malformed answer from the resolver";
    default:
      return code ?? (e as Error).message;
  }
}
