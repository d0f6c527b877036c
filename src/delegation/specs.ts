/**
 * The slots to check, from the config and the lock (signing-provider mode):
 * each customer slot with its name, its target, and the key record the lock
 * says its target serves. A slot the lock has no key for yet is not checked
 * (dkimctl keys makes it first); `unkeyed` names those slots.
 */
import { customerSlots } from "../config/customer-slots";
import type { Config } from "../config/model";
import { keyType } from "../dkim/keys";
import { keyRecordValue } from "../dkim/record";
import type { Lock } from "../keys/lock";
import type { SlotSpec } from "./slot";

export function slotSpecs(config: Pick<Config, "customers">, lock: Lock): { specs: SlotSpec[]; unkeyed: string[] } {
  const specs: SlotSpec[] = [];
  const unkeyed: string[] = [];
  for (const s of customerSlots(config)) {
    const key = lock.slotKey(s.customer.name, s.slot);
    if (!key) {
      unkeyed.push(`${s.customer.name}/${s.slot}`);
      continue;
    }
    specs.push({
      customer: s.customer.name,
      slot: s.slot,
      name: s.name,
      target: s.target,
      keyZone: s.customer.keyZone,
      delegation: s.delegation,
      expected: keyRecordValue(keyType(key.algorithm), key.publicKey),
      fingerprint: key.fingerprint,
    });
  }
  return { specs, unkeyed };
}
