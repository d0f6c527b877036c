/**
 * A customer slot as the delegation check sees it, and the states DNS can
 * put it in. Signing-provider mode (docs/signing-provider.md) gives each
 * customer a fixed set of slots; each slot's name at the customer,
 * `<slot>._domainkey.<customer>`, is delegated to a target in our key zone
 * by a CNAME, or (`txt` delegation) holds the key record itself.
 */

export type Delegation = "cname" | "txt";

export interface SlotSpec {
  /** The customer's domain (A-labels, lower case, no trailing dot). */
  readonly customer: string;
  /** The selector, e.g. `esp1`. */
  readonly slot: string;
  /** `<slot>._domainkey.<customer>`. */
  readonly name: string;
  /** The target in our key zone that `name` must be a CNAME to (for `txt` delegation: where our own copy of the key is published). */
  readonly target: string;
  /** Our key zone holding `target`. */
  readonly keyZone: string;
  readonly delegation: Delegation;
  /** The key record the slot must resolve to, as the lock gives it (`v=DKIM1; k=...; p=...`). */
  readonly expected: string;
  /** The lock's fingerprint of `expected` (`sha256:<hex>`): recorded when the slot is seen delegated, so rotation can ask since when this key is served. */
  readonly fingerprint?: string;
  /** Earlier key records of this slot, to name an old key of ours when one is found. @default [] */
  readonly previous?: readonly string[];
}

export const SLOT_STATES = ["delegated", "pending", "wrong-target", "doubled-name", "conflicting", "flattened", "broken"] as const;
export type SlotState = (typeof SLOT_STATES)[number];

/** The states a slot on `txt` delegation can be in. */
export const TXT_SLOT_STATES: readonly SlotState[] = ["delegated", "pending", "conflicting", "broken"];

/** What DNS holds at the slot's name, as found. */
export interface Found {
  /** The CNAME chain from the name, target by target. */
  readonly cname?: readonly string[];
  /** The TXT records at the name (or at the chain's end), each joined. */
  readonly txt?: readonly string[];
  /** Other record types at the name (`A`, `MX`, ...). */
  readonly other?: readonly string[];
  /** Where the records were found when not at the name itself (the doubled name, a server not delegated to). */
  readonly at?: string;
}

export interface SlotResult {
  readonly customer: string;
  readonly slot: string;
  readonly name: string;
  readonly target: string;
  readonly delegation: Delegation;
  readonly state: SlotState;
  /** Which case of the state, stable for programs: `nxdomain`, `near-miss`, `cname-loop`, ... (docs/validation.md lists them). */
  readonly reason: string;
  /** What DNS shows, in one line. */
  readonly detail: string;
  /** What the customer changes, in one line ("" when delegated). */
  readonly fix: string;
  readonly found: Found;
  /** `delegated`: the fingerprint of the key the slot serves (SlotSpec.fingerprint), when known. */
  readonly key?: string;
  /**
   * The problem is ours, not the customer's (our key zone does not serve the
   * key, our resolver fails): it never lapses a switched-on customer.
   */
  readonly ours?: boolean;
}
