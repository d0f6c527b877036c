/**
 * The customer half of `dkimctl verify` in signing-provider mode: checks
 * every customer slot (src/delegation/), records the signing gate in the
 * status file, and prints the report (text, json or the html status page).
 * verify.ts parses the command line and builds the slots from the config;
 * this module takes them, so it is the same for every caller.
 *
 * Exit status 1 when a customer lapsed or was dropped in this run (a
 * scheduled run fails loudly, naming them); pending customers are normal.
 */
import { DEFAULT_CONCURRENCY, DEFAULT_RATE } from "../delegation/check";
import { DEFAULT_GRACE_MS } from "../delegation/gate";
import { runDelegationCheck, type RunResult } from "../delegation/run";
import type { SlotSpec } from "../delegation/slot";
import { parseDuration } from "../duration";
import type { Server } from "../dns/server";
import { delegationJson, delegationText, type DelegationReport } from "./delegation-report";
import { parseNow } from "./args";
import type { OptionTable } from "./help";
import type { Io } from "./io";
import { UsageError } from "./report";
import { statusPage } from "./status-page";

/** The options verify takes for customers, beside its own (--resolver, --authoritative, --ns-address, --format). */
export const DELEGATION_OPTIONS = {
  now: {
    type: "string",
    arg: "TIME",
    help: "customers: act as if it were TIME, an ISO 8601 time with a zone (e.g. 2026-11-26T04:00:00Z; default: now), for the gate's grace period",
  },
  grace: {
    type: "string",
    arg: "DURATION",
    help: "customers: how long a switched-on customer whose delegation broke is still signed for before it is dropped (default 5d)",
  },
  "recheck-after": {
    type: "string",
    arg: "DURATION",
    help: "customers: check a settled customer (switched on, every slot delegated) again only this long after its last check (default: every run)",
  },
  concurrency: {
    type: "string",
    arg: "N",
    help: `customers: DNS questions in flight at once (default ${DEFAULT_CONCURRENCY}: gentle on a public resolver; raise it for your own)`,
  },
  rate: {
    type: "string",
    arg: "N",
    help: `customers: DNS questions a second at most (default ${DEFAULT_RATE}, a tenth of a public resolver's limit per client; 0: no limit)`,
  },
} as const satisfies OptionTable;

export const DELEGATION_FORMATS = ["text", "json", "html"] as const;
export type DelegationFormat = (typeof DELEGATION_FORMATS)[number];

export interface DelegationSettings {
  readonly now: Date;
  readonly graceMs: number;
  readonly recheckAfterMs: number;
  readonly concurrency: number;
  readonly ratePerSecond: number;
}

/** The values of DELEGATION_OPTIONS, checked; every mistake a usage error. */
export function delegationSettings(values: {
  now?: string;
  grace?: string;
  "recheck-after"?: string;
  concurrency?: string;
  rate?: string;
}): DelegationSettings {
  const duration = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined) throw new UsageError(`--${name} must be a duration such as 90s, 10m, 1h, 5d or 1d12h, not '${text.slice(0, 40)}'`);
    return ms;
  };
  const now = parseNow(values.now);
  const concurrency = values.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024)
    throw new UsageError(`--concurrency must be a whole number from 1 to 1024, not '${values.concurrency}'`);
  const ratePerSecond = values.rate === undefined ? DEFAULT_RATE : Number(values.rate);
  if (!Number.isInteger(ratePerSecond) || ratePerSecond < 0 || ratePerSecond > 100_000)
    throw new UsageError(`--rate must be a whole number of questions a second from 0 (no limit) to 100000, not '${values.rate}'`);
  return {
    now,
    graceMs: duration("grace", values.grace, DEFAULT_GRACE_MS),
    recheckAfterMs: duration("recheck-after", values["recheck-after"], 0),
    concurrency,
    ratePerSecond,
  };
}

export interface DelegationRun {
  readonly specs: readonly SlotSpec[];
  readonly statusFile: string;
  readonly mode: "recursive" | "authoritative";
  readonly resolvers: readonly Server[];
  readonly nsAddresses?: ReadonlyMap<string, Server>;
  /** How DNS was asked, for the report. */
  readonly via: string;
  readonly format: DelegationFormat;
  readonly settings: DelegationSettings;
  /** Timeouts and back-off (tests shorten them). */
  readonly dns?: { readonly timeoutMs?: number; readonly backoffMs?: number };
}

/** Runs the check, prints the report, and says on stderr who lapsed or was dropped. Returns the exit status. */
export async function verifyDelegations(run: DelegationRun, io: Io): Promise<{ status: number; result: RunResult }> {
  const s = run.settings;
  const result = await runDelegationCheck(run.specs, {
    mode: run.mode,
    resolvers: run.resolvers,
    nsAddresses: run.nsAddresses,
    statusFile: run.statusFile,
    now: s.now,
    graceMs: s.graceMs,
    recheckAfterMs: s.recheckAfterMs,
    concurrency: s.concurrency,
    ratePerSecond: s.ratePerSecond,
    ...run.dns,
  });
  const report: DelegationReport = { checked: s.now, via: run.via, slots: result.slots, customers: result.customers, events: result.events };
  if (run.format === "json") io.out(`${JSON.stringify(delegationJson(report), null, 2)}\n`);
  else if (run.format === "html") io.out(statusPage(report, s.graceMs));
  else io.out(delegationText(report, s.graceMs));
  const bad = (kind: string) => result.events.filter((e) => e.kind === kind).map((e) => e.customer);
  const [lapsed, dropped] = [bad("lapsed"), bad("dropped")];
  if (lapsed.length) io.err(`error: newly lapsed (still signed for, for the grace period): ${lapsed.join(", ")}\n`);
  if (dropped.length) io.err(`error: dropped from the signer's tables: ${dropped.join(", ")}\n`);
  return { status: lapsed.length || dropped.length ? 1 : 0, result };
}
