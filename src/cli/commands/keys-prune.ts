/**
 * `dkimctl keys prune --older-than DURATION`: deletes the keys of removed
 * selectors from a store that keeps them tagged (AWS Secrets Manager), each
 * with a recovery window. No other command deletes a key.
 *
 * Only this project's keys are touched: those that carry its project mark
 * (keyStore.awsSecretsManager.project) and dkimctl's tags. Such a key is
 * removable when the lock says its selector was rotated out
 * (`state: removed`), or when neither the lock nor domains.yaml has its
 * selector (a key no run recorded). Prune first tags removable keys that
 * carry no tag yet (a rotated-out key from the time the lock gives), takes
 * the tag off keys in use again, then deletes the keys whose tag is older
 * than DURATION. The local and age stores keep removed keys as files: prune
 * refuses them, and deleting such a file stays a deliberate act by hand.
 */
import { customerSlots } from "../../config/customer-slots";
import type { Config } from "../../config/model";
import { formatDuration, parseDuration } from "../../duration";
import { type Lock, slotKeyName } from "../../keys/lock";
import { marksRemoved, type StoredKey } from "../../keys/store";
import { excerpt } from "../../redact";
import { isoSeconds } from "../../time";
import { required } from "../args";
import type { Command } from "../command";
import { asWriter, load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { UsageError } from "../report";

/** AWS's limits for DeleteSecret's RecoveryWindowInDays. */
const RECOVERY_DAYS = { min: 7, max: 30, default: 30 } as const;

const USAGE = ["  dkimctl keys prune --older-than DURATION [--recovery-window DAYS] [--dry-run] [--config FILE]"];
const OPTIONS = withCommon({
  "older-than": {
    type: "string",
    arg: "DURATION",
    help: "delete only keys removed (tagged) longer ago than this, e.g. 30d, 2w or 12h; newer ones are tagged and kept",
  },
  "recovery-window": {
    type: "string",
    arg: "DAYS",
    help: `days AWS keeps a deleted key recoverable, ${RECOVERY_DAYS.min} to ${RECOVERY_DAYS.max} (default ${RECOVERY_DAYS.default})`,
  },
  "dry-run": { type: "boolean", help: "print what would be tagged, untagged and deleted, and change nothing" },
});

export const keysPrune: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Deletes the keys of removed selectors from the awsSecretsManager key store, each with a recovery window: the selectors\n" +
      "the lock says were rotated out, and keys neither the lock nor domains.yaml has. A removable key is first tagged;\n" +
      "it is deleted once its tag is older than --older-than. The local and age stores keep removed keys as files: refused.",
    OPTIONS,
  ),
  async run(args, io) {
    const { values } = parse(args, OPTIONS);
    const olderThanText = required("older-than", values["older-than"]);
    const olderThan = parseDuration(olderThanText);
    if (!olderThan) throw new UsageError(`--older-than must be a duration above zero such as 30d, 2w or 12h, not '${excerpt(olderThanText)}'`);
    const windowText = values["recovery-window"] ?? String(RECOVERY_DAYS.default);
    const window = /^\d{1,2}$/.test(windowText) ? Number(windowText) : NaN;
    if (!(window >= RECOVERY_DAYS.min && window <= RECOVERY_DAYS.max))
      throw new UsageError(`--recovery-window must be a whole number of days from ${RECOVERY_DAYS.min} to ${RECOVERY_DAYS.max}, not '${excerpt(windowText)}'`);
    const dryRun = values["dry-run"] === true;
    const { config } = load(io, values, { keys: true, missingKeys: "allowed" });
    return asWriter(io, config, values["key-store"], async (store, lock, writes) => {
      if (!marksRemoved(store))
        throw new Error(
          `keys prune deletes keys only from a store that tags removed keys (awsSecretsManager); ${config.file} keeps keys in ${store.description}, ` +
            `where a removed selector's key stays until you delete its file by hand (dkimctl never deletes one)`,
        );
      const now = new Date();
      const would = dryRun ? "would be " : "";
      const counts = { deleted: 0, kept: 0 };
      const generated = new Set([
        ...config.domains.flatMap((d) => d.selectors.filter((s) => s.source.kind === "generated").map((s) => `${d.name}/${s.name}`)),
        // A customer slot's first key, which `keys` adopts while the lock has none.
        ...customerSlots(config)
          .filter((s) => !lock.slotKey(s.customer.name, s.slot))
          .map((s) => `${s.customer.name}/${slotKeyName(s.slot, 1)}`),
      ]);
      // Keys the lock proves are this project's get its mark first (keys stored before projects were marked).
      if (!dryRun) for (const note of await store.reconcile(lock, writes.beforeWrite)) io.out(`${note}\n`);
      const inventory = await store.inventory();
      // Only this project's own keys (its mark, dkimctl's tags) are ever tagged or deleted: never another project's, never a secret dkimctl did not store.
      const others = inventory.filter((k) => k.owner === "other").length;
      const unmarked = inventory.filter((k) => k.owner === "unclaimed" && !lock.storeKey(k.domain, k.selector)).length;
      for (const key of inventory.filter((k) => k.owner === "ours")) {
        const name = `${key.domain}/${key.selector}`;
        const removal = removable(key, lock, generated.has(name), config);
        if (!removal) {
          if (key.removed) {
            if (!dryRun) writes.beforeWrite?.();
            if (dryRun || (await store.unmarkRemoved(key.domain, key.selector))) io.out(`${name}: ${would}untagged: it is in use again\n`);
          }
          continue;
        }
        let since = key.removed;
        if (!since) {
          since = removal.since && removal.since <= now ? removal.since : now;
          if (!dryRun) writes.beforeWrite?.();
          if (!dryRun && !(await store.markRemoved(key.domain, key.selector, since))) continue;
          io.out(`${name}: ${would}tagged removed at ${isoSeconds(since)} (${removal.why})\n`);
        }
        const age = now.getTime() - since.getTime();
        if (age < olderThan) {
          counts.kept++;
          io.out(`${name}: kept: removed ${formatDuration(age)} ago; deletable from ${isoSeconds(new Date(since.getTime() + olderThan))}\n`);
          continue;
        }
        counts.deleted++;
        if (dryRun) {
          io.out(`${name}: would be deleted (removed ${formatDuration(age)} ago), with a ${window}-day recovery window\n`);
          continue;
        }
        writes.beforeWrite?.();
        io.out(`${name}: deleted (removed ${formatDuration(age)} ago); ${await store.deleteRemoved(key.domain, key.selector, window)}\n`);
      }
      const what = dryRun ? "would delete" : "deleted";
      io.out(`${what} ${counts.deleted} removed key${counts.deleted === 1 ? "" : "s"} (older than ${formatDuration(olderThan)}); kept ${counts.kept}\n`);
      if (others || unmarked)
        io.out(
          `left alone: ${others} key${others === 1 ? "" : "s"} of other projects, ${unmarked} without a project mark that the lock does not hold ` +
            "(never this project's to delete)\n",
        );
      return 0;
    });
  },
};

/**
 * Why a stored key may go, and since when, or undefined while it may be
 * needed: the lock has it in any state but removed, or domains.yaml asks for
 * it (`wanted`: a key `dkimctl keys` will adopt).
 */
function removable(key: StoredKey, lock: Lock, wanted: boolean, config: Config): { why: string; since?: Date } | undefined {
  const entry = lock.storeKey(key.domain, key.selector);
  if (entry?.state === "removed")
    return { why: `rotated out${entry.removed ? ` at ${entry.removed}` : ""}`, ...(entry.removed ? { since: new Date(entry.removed) } : {}) };
  if (entry || wanted) return undefined;
  return { why: `in neither ${config.file} nor ${config.lockFile}` };
}
