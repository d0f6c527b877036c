/**
 * Signing-provider mode: the name in our key zone that a customer's slot
 * `<slot>._domainkey.<customer>` is delegated to (its target).
 *
 *   <slot>.<customer>.<keyZone>          when that is at most 253 octets
 *   <slot>.<hash>.<keyZone>              otherwise
 *
 * where `<hash>` is the first 40 hex digits of SHA-256 over the customer's
 * name in its published form (lower-case A-labels, no trailing dot), e.g.
 * `printf %s example.com | sha256sum | cut -c1-40`.
 *
 * Injective: a slot is one label and the first label of its target; a
 * customer's name has at least two labels, a hash exactly one, so a written
 * out customer and a hashed one never share a target, and two customers or
 * two slots of one customer differ in their targets (a hash collision is
 * 2^-160 and refused by the config check all the same). Within DNS limits:
 * every label is a slot, a label of the customer's name, a hash (40 octets)
 * or a label of the key zone, and the written-out form is used only when the
 * whole name fits; the config refuses a key zone and slot too long for the
 * hashed form. Stable: golden examples in test/customer-target.test.ts pin it.
 */
import { createHash } from "node:crypto";
import { MAX_NAME_OCTETS } from "../dns/host-name";

/** Hex digits of the SHA-256 of a customer's name that stand for it in a long target (160 bits). */
export const TARGET_HASH_DIGITS = 40;

/** The label that stands for a customer whose name does not fit in its target. */
export function customerHash(customer: string): string {
  return createHash("sha256").update(customer, "utf8").digest("hex").slice(0, TARGET_HASH_DIGITS);
}

/**
 * The target of `slot` of `customer` in `keyZone`: all three in their
 * published form (lower-case A-labels, no trailing dot); `slot` one label.
 */
export function slotTarget(customer: string, slot: string, keyZone: string): string {
  const written = `${slot}.${customer}.${keyZone}`;
  return written.length <= MAX_NAME_OCTETS ? written : `${slot}.${customerHash(customer)}.${keyZone}`;
}

/**
 * The length of a slot's hashed target in a key zone: the longest any of its
 * targets can be (a written-out target is used only when at most 253
 * octets). The config refuses a key zone and slot where it exceeds 253.
 */
export function hashedTargetLength(slot: string, keyZone: string): number {
  return slot.length + 1 + TARGET_HASH_DIGITS + 1 + keyZone.length;
}
