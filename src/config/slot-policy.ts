/**
 * How a customer's slot keys rotate (signing-provider mode), and why a
 * policy cannot work with the customer's slots and TTL.
 */
import { formatDuration } from "../duration";

/** Durations in milliseconds. */
export interface SlotPolicy {
  /** Time from one key becoming active to the next. */
  readonly every: number;
  /** How long a new key is published before it signs; at least the record TTL. */
  readonly publishAhead: number;
  /** How long a replaced key stays published (mail in transit) before its slot takes the next key. */
  readonly retireAfter: number;
}

/**
 * The shortest `every` that `slots` slots allow: a slot becomes idle when its
 * key retires, holds that key retireAfter, then the next key publishAhead
 * before it signs; the other slots take their turns meanwhile. Two slots:
 * publishAhead + retireAfter; three: half of it.
 */
export function shortestEvery(policy: Pick<SlotPolicy, "publishAhead" | "retireAfter">, slots: number): number {
  return Math.ceil((policy.publishAhead + policy.retireAfter) / Math.max(1, slots - 1));
}

/** Why the policy cannot work for customers with `slots` slots and records of `ttl` seconds, per field, or an empty list. */
export function slotPolicyProblems(p: SlotPolicy, slots: number, ttl: number): { field: keyof SlotPolicy; message: string }[] {
  const out: { field: keyof SlotPolicy; message: string }[] = [];
  if (p.publishAhead < ttl * 1000)
    out.push({
      field: "publishAhead",
      message:
        `must be at least the records' TTL (${formatDuration(ttl * 1000)}): a slot's name gets a new key over time, ` +
        "and a resolver may hold the key it replaced for a TTL; lengthen publishAhead or shorten the ttl",
    });
  if (p.publishAhead <= 0) out.push({ field: "publishAhead", message: "must be longer than 0: a key must be in DNS before anything signs with it" });
  if (p.retireAfter <= 0) out.push({ field: "retireAfter", message: "must be longer than 0: mail signed just before a rotation is still in transit" });
  const shortest = shortestEvery(p, slots);
  if (slots >= 2 && p.every < shortest)
    out.push({
      field: "every",
      message:
        `must be at least ${formatDuration(shortest)} with ${slots} slots: the idle slot holds the replaced key retireAfter, ` +
        `then the next key publishAhead before it signs; lengthen every${slots === 2 ? ", or give the customers a third slot" : ""}`,
    });
  return out;
}
