/**
 * Test support: the status file `dkimctl verify` writes beside the lock
 * (dkim.status.json, docs/validation.md, version 1) as a check finding every
 * customer slot delegated and serving the key the lock has there, for tests
 * of rotate and export that have no DNS to verify against. A slot's `since`
 * is kept while it serves the same key, as verify keeps it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";

interface SlotStatus {
  state: string;
  reason: string;
  since: string;
  key?: string;
}

/** Writes the status of a check at `at` (ISO 8601); the slots `broken` names (`customer/slot`) are found pending (nxdomain). */
export function writeVerifiedStatus(lockFile: string, at: string, broken: readonly string[] = []): void {
  const file = join(dirname(lockFile), "dkim.status.json");
  const before = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")).customers as Record<string, { slots: Record<string, SlotStatus> }>) : {};
  const locked = (parse(readFileSync(lockFile, "utf8")).customers ?? {}) as Record<string, Record<string, { fingerprint: string }>>;
  const customers = Object.fromEntries(
    Object.entries(locked).map(([customer, keys]) => {
      const slots = Object.fromEntries(
        Object.entries(keys).map(([slot, k]): [string, SlotStatus] => {
          const was = before[customer]?.slots[slot];
          if (broken.includes(`${customer}/${slot}`)) return [slot, { state: "pending", reason: "nxdomain", since: was?.state === "pending" ? was.since : at }];
          return [slot, { state: "delegated", reason: "cname", since: was?.key === k.fingerprint ? was.since : at, key: k.fingerprint }];
        }),
      );
      const on = Object.values(slots).every((s) => s.state === "delegated");
      return [customer, { gate: on ? "on" : "waiting", since: at, lastChecked: at, slots }];
    }),
  );
  writeFileSync(file, `${JSON.stringify({ version: 1, written: at, customers }, null, 2)}\n`);
}
