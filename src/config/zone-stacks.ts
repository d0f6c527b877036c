/**
 * Which Terraform stack each record goes to. Every zone has a stack of its
 * own, named after it with dots as hyphens (`example-com`). A key zone's
 * customers' records are spread over `stacks` more (`keys-example-net-00` to
 * `keys-example-net-31`), each customer's in the bucket its name hashes to,
 * so that a pull request that adds a customer plans one small stack.
 *
 * The assignment is stable: a customer's bucket depends on its name and the
 * zone's `stacks` alone, so adding or removing customers never moves another
 * customer's records. A move would be a delete in one stack and a create in
 * another, which Terraform cannot order across two applies, and which leaves
 * the key unpublished in between (or, create first, refused by the provider
 * as a record that exists). An append-only assignment (fill a stack, open the
 * next) would be as stable but needs state (which stack each customer went to)
 * in the lock; hashing needs none, and the zone's record quota bounds every
 * bucket to about quota / stacks. `stacks` is fixed for the zone's life:
 * changing it moves records, which `dkimctl stacks --changed-from` refuses.
 * The zone's own records (its domains' selectors, DMARC) stay in its own
 * stack, so a zone that gets its first customer moves nothing.
 */
import { createHash } from "node:crypto";
import type { Zone } from "./model";

/** The stacks a key zone's customers are spread over unless it sets `stacks`: a zone of 10,000 records makes stacks of about 300. */
export const DEFAULT_KEY_ZONE_STACKS = 32;

/** The stack of a zone's own records: the zone's name with dots as hyphens. */
export function stackName(zone: string): string {
  return zone.replace(/\./g, "-");
}

/** The bucket of `customer` among `stacks`: the last 32 bits of SHA-256 of its name (published form), modulo `stacks`. */
export function bucketOf(customer: string, stacks: number): number {
  return createHash("sha256").update(customer, "utf8").digest().readUInt32BE(28) % stacks;
}

/** The stack of bucket `bucket` of a key zone: `keys-example-net-07`. */
export function customerStackName(zone: string, bucket: number): string {
  return `${stackName(zone)}-${String(bucket).padStart(2, "0")}`;
}

/** Every stack of a zone: its own, then its customers' buckets (all of them, empty or not: an empty one removes what it had). */
export function zoneStackNames(zone: Pick<Zone, "name" | "stacks">): string[] {
  return [stackName(zone.name), ...Array.from({ length: zone.stacks ?? 0 }, (_, i) => customerStackName(zone.name, i))];
}

/** The stack a record of `zone` goes to: its customer's bucket, or the zone's own stack. */
export function stackOf(zone: Pick<Zone, "name" | "stacks">, customer: string | undefined): string {
  return customer !== undefined && zone.stacks ? customerStackName(zone.name, bucketOf(customer, zone.stacks)) : stackName(zone.name);
}
