/**
 * Checks many customer slots with manners: one pool of questions bounded
 * in flight (QueryPool), retries with back-off, one zone walker whose
 * caches every slot shares, customers checked a bounded number at a time
 * and handed on as each finishes (so a caller can record them as it goes).
 */
import { QueryPool, type QueryPoolOptions } from "../dns/query-pool";
import type { Server } from "../dns/server";
import { ZoneWalker } from "../dns/zone-walk";
import { mapLimit } from "../map-limit";
import { classify } from "./classify";
import { type GatherContext, gatherAuthoritative, gatherRecursive } from "./evidence";
import type { SlotResult, SlotSpec } from "./slot";
import { TargetIndex } from "./targets";

/** Questions in flight at once by default: a public resolver sees a handful of queries at a time, never a flood. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Questions a second by default: a tenth of the least rate a public resolver
 * documents as its default limit per client (Google Public DNS: 1,000 QPS per
 * IPv4 address, https://developers.google.com/speed/public-dns/docs/isp).
 */
export const DEFAULT_RATE = 100;

export interface CheckOptions extends QueryPoolOptions {
  /** `recursive`: as receivers see it, through `resolvers`; `authoritative`: each customer's own name servers. */
  readonly mode: "recursive" | "authoritative";
  /** The recursive resolvers (also for NS names and addresses in `authoritative` mode). */
  readonly resolvers: readonly Server[];
  /** NS host name -> where to reach it instead of port 53 of its address. */
  readonly nsAddresses?: ReadonlyMap<string, Server>;
  /** Every slot we publish (for naming whose target a wrong CNAME points at). @default the slots checked */
  readonly allSlots?: readonly SlotSpec[];
  /** Called as each customer's slots are classified, in no particular order. */
  readonly onCustomer?: (customer: string, results: readonly SlotResult[]) => void;
}

export interface CheckRun {
  readonly results: SlotResult[];
  /** Questions sent, and of those asked again after a SERVFAIL or timeout. */
  readonly queries: number;
  readonly retried: number;
}

/** Throws when no resolver answers a question about our own key zone: a run that learns nothing must not record anything. */
async function probe(pool: QueryPool, resolvers: readonly Server[], zone: string): Promise<void> {
  const reasons: string[] = [];
  for (const server of resolvers) {
    const reply = await pool.ask(server, zone, "SOA", { recursionDesired: true });
    if (reply.ok) return;
    reasons.push(reply.reason);
  }
  throw new Error(`no resolver answers (${reasons.join("; ") || "none given"}): nothing was checked`);
}

export async function checkSlots(slots: readonly SlotSpec[], opts: CheckOptions): Promise<CheckRun> {
  const pool = new QueryPool({ ...opts, concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY, ratePerSecond: opts.ratePerSecond ?? DEFAULT_RATE });
  if (slots.length === 0) return { results: [], queries: 0, retried: 0 };
  await probe(pool, opts.resolvers, slots[0].keyZone);
  const walker = new ZoneWalker(pool, opts.resolvers, { nsAddresses: opts.nsAddresses });
  const ctx: GatherContext = { pool, walker, resolvers: opts.resolvers };
  const index = new TargetIndex(opts.allSlots ?? slots);
  const gather = opts.mode === "authoritative" ? gatherAuthoritative : gatherRecursive;
  const byCustomer = new Map<string, SlotSpec[]>();
  for (const s of slots) {
    const list = byCustomer.get(s.customer);
    if (list) list.push(s);
    else byCustomer.set(s.customer, [s]);
  }
  // A customer's slots are asked together; customers go a bounded number at a time (the pool bounds the questions).
  const perCustomer = await mapLimit([...byCustomer], Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY), async ([customer, specs]) => {
    const results = await Promise.all(specs.map(async (spec) => classify(spec, await gather(spec, ctx), index)));
    opts.onCustomer?.(customer, results);
    return results;
  });
  return { results: perCustomer.flat(), queries: pool.queries, retried: pool.retried };
}
