/**
 * What a customer must create in its own DNS (signing-provider mode), one
 * record per slot: `dkimctl instructions` prints it, and records in a zone of
 * ours that is a customer's read it too.
 *
 * A `cname` customer's records are built from the config alone (its slots
 * and their targets; the lock is not read): they never change when its keys
 * rotate. A `txt` customer's records carry each slot's public key record from
 * the lock.
 */
import { slotsOf } from "../config/customer-slots";
import type { Config, Customer } from "../config/model";
import { commandHint } from "../command-hint";
import type { Problem } from "../config/problems";
import type { Delegation } from "../config/model";
import { keyType } from "../dkim/keys";
import { keyRecordValue } from "../dkim/record";
import { splitTxt } from "../dkim/txt";
import { organizationalDomain } from "../dmarc/org-domain";
import type { Lock } from "../keys/lock";
import { domainToUnicode } from "node:url";

/** One record the customer creates. */
export interface CustomerRecord {
  readonly slot: string;
  /** The name relative to the customer's zone, as most DNS control panels want it: `esp1._domainkey`, `esp1._domainkey.news`. */
  readonly host: string;
  /** The full name, no trailing dot: `esp1._domainkey.shop.example`. */
  readonly name: string;
  readonly type: "CNAME" | "TXT";
  /** CNAME: our target (no trailing dot). TXT: the public key record. */
  readonly value: string;
  /** TXT: the value as character-strings of at most 255 octets, for panels that want them split. CNAME: empty. */
  readonly strings: readonly string[];
  readonly ttl: number;
}

/** A customer's set-up: its records and where they go. */
export interface Instructions {
  /** Published form (A-labels). */
  readonly customer: string;
  /** The name as people read it (U-labels); the same as `customer` for an ASCII name. */
  readonly display: string;
  /**
   * The zone the records are created in, as far as the name tells: its
   * registrable domain (the Public Suffix List's). A customer that runs a
   * subdomain as a zone of its own creates them relative to that instead.
   */
  readonly zone: string;
  readonly delegation: Delegation;
  readonly records: readonly CustomerRecord[];
}

/**
 * The instructions of `customer`; a `txt` customer's need the lock, and each
 * slot without a key there is a problem (`problems`), its record left out.
 */
export function instructionsFor(customer: Customer, lock: Lock, config: Pick<Config, "lockFile" | "invocation">, problems: Problem[]): Instructions {
  const zone = organizationalDomain(customer.name);
  const relative = (name: string) => (name === zone ? "@" : name.slice(0, -(zone.length + 1)));
  const records: CustomerRecord[] = [];
  for (const s of slotsOf(customer)) {
    const common = { slot: s.slot, host: relative(s.name), name: s.name, ttl: customer.ttl };
    if (s.delegation === "cname") {
      records.push({ ...common, type: "CNAME", value: s.target, strings: [] });
      continue;
    }
    const key = lock.slotKey(customer.name, s.slot);
    if (!key) {
      problems.push({
        ...customer.position,
        path: "",
        message:
          `customer ${customer.name} publishes its key records itself (delegation: txt), but slot ${s.slot} has no key in ${config.lockFile}: ` +
          `run ${commandHint("keys", config.invocation)} and commit ${config.lockFile}`,
      });
      continue;
    }
    const value = keyRecordValue(keyType(key.algorithm), key.publicKey);
    records.push({ ...common, type: "TXT", value, strings: splitTxt(value) });
  }
  return { customer: customer.name, display: domainToUnicode(customer.name), zone, delegation: customer.delegation, records };
}
