/**
 * Signing-provider mode: the first key of every customer slot. `dkimctl keys`
 * orders one for each slot the lock has none for, and adopts a key a killed
 * run stored before it could write the lock, so that a run of 20,000 keys
 * resumes where it stopped and lock and store never disagree.
 */
import { customerSlots } from "../config/customer-slots";
import type { Config } from "../config/model";
import { importPrivateKey, type KeyAlgorithm, type KeyPair } from "../dkim/keys";
import { type Lock, slotKeyName } from "./lock";
import type { KeyStore } from "./store";

/** A key to make for a customer slot: `domain`/`selector` are its address in the key store (`<customer>/<slot>.<generation>`). */
export interface SlotOrder {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly customer: string;
  readonly slot: string;
  readonly generation: number;
}

/**
 * The slots of `config` whose keys the lock lacks: those the store holds
 * already (`recovered`, read back) and those to make (`orders`). `held` is
 * the store's listing (`domain/selector`, as assertStoreMatchesLock returns
 * it): only a key it names is read, so 20,000 new slots cost no look-up each.
 */
export async function missingSlotKeys(
  config: Config,
  lock: Lock,
  store: KeyStore,
  held: ReadonlySet<string>,
): Promise<{ recovered: { order: SlotOrder; pair: KeyPair }[]; orders: SlotOrder[] }> {
  const missing: SlotOrder[] = [];
  for (const { customer, slot } of customerSlots(config)) {
    if (lock.slotKey(customer.name, slot)) continue;
    missing.push({ customer: customer.name, slot, generation: 1, domain: customer.name, selector: slotKeyName(slot, 1), algorithm: customer.algorithm });
  }
  const recovered: { order: SlotOrder; pair: KeyPair }[] = [];
  const orders: SlotOrder[] = [];
  for (const order of missing) {
    const pem = held.has(`${order.domain}/${order.selector}`) ? await store.get(order.domain, order.selector) : undefined;
    if (pem === undefined) orders.push(order);
    else recovered.push({ order, pair: importPrivateKey(pem) });
  }
  return { recovered, orders };
}
