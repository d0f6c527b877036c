/**
 * The lifecycle of a rotated selector's key, and what each state means for
 * DNS, the signer and plans. A leaf: the lock, records, export, check-plan
 * and the rotation state machine all read it.
 *
 *   pending -> active -> retiring -> revoked (empty p=) -> removed (no record)
 */
export const STATES = ["pending", "active", "retiring", "revoked", "removed"] as const;
export type KeyState = (typeof STATES)[number];

/** The record is in DNS (a revoked key's with an empty p=). */
export const isPublished = (state: KeyState): boolean => state !== "removed";

/** The signer needs the private key: it signs with it, is about to, or still may. */
export const isExported = (state: KeyState): state is "pending" | "active" | "retiring" => state === "pending" || state === "active" || state === "retiring";

/** Mail is signed with it now or from the next rotation on: its record must not leave DNS. */
export const isInUse = (state: KeyState): boolean => state === "pending" || state === "active";

/** The key publishes an empty p= (RFC 6376 3.6.1) until it is removed. */
export const isRevoked = (state: KeyState): boolean => state === "revoked";

/**
 * The lifecycle of a customer slot's key (signing-provider mode), over the
 * same states: a slot is a fixed name whose key changes, so a key is never
 * revoked at it but replaced by the slot's next key, and the slot's name
 * always answers with a key:
 *
 *   pending (published at the idle slot) -> active (the signer's key)
 *     -> retiring (published, mail in transit) -> removed (its slot holds the next key)
 */
export const SLOT_STATES = ["pending", "active", "retiring", "removed"] as const satisfies readonly KeyState[];
/** The states of a key that holds its slot (a removed key holds none). */
export type SlotKeyState = Exclude<(typeof SLOT_STATES)[number], "removed">;

/** A key in one of the states that hold a slot (the lock keeps no other for a slot). */
export const holdsSlot = (state: KeyState): state is SlotKeyState => state === "pending" || state === "active" || state === "retiring";
