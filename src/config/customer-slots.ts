/**
 * Every customer slot with the name the customer creates and the target it
 * is delegated to: what keys, the instructions, records and verify all read.
 */
import { selectorName } from "../dns/names";
import { slotTarget } from "../dkim/target";
import type { Config, Customer, Delegation } from "./model";

export interface CustomerSlot {
  readonly customer: Customer;
  readonly slot: string;
  /** `<slot>._domainkey.<customer>`: the name the customer creates (no trailing dot). */
  readonly name: string;
  /** The name in the key zone the slot is delegated to, where its key record is published (no trailing dot). */
  readonly target: string;
  readonly delegation: Delegation;
}

/** A customer's slots, in the configured order. */
export function slotsOf(customer: Customer): CustomerSlot[] {
  return customer.slots.map((slot) => ({
    customer,
    slot,
    name: selectorName(slot, customer.name),
    target: slotTarget(customer.name, slot, customer.keyZone),
    delegation: customer.delegation,
  }));
}

/** Every slot of every customer: customers by name, slots in the configured order. */
export function customerSlots(config: Pick<Config, "customers">): CustomerSlot[] {
  return config.customers.flatMap(slotsOf);
}

/** The customer named `name` (published form), if the config has it. */
export function findCustomer(config: Pick<Config, "customers">, name: string): Customer | undefined {
  let lo = 0;
  let hi = config.customers.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = config.customers[mid];
    if (c.name === name) return c;
    if (c.name < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
