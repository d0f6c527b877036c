/**
 * The SPF record to publish when a domain has none, several, or one that
 * falls short of its requirement. Existing terms are kept in their order;
 * missing includes and ranges go after the last mechanism, before `all`;
 * `+all` becomes `~all`; a second record's mechanisms are merged into the
 * first; terms that do not parse are dropped (the check lists them).
 *
 * A new record ends in `~all`, not `-all`: receivers decide with DMARC, and
 * a hard fail makes some reject mail from a sender nobody listed before
 * DMARC is even evaluated (RFC 7489 10.1), even when it is DKIM-aligned.
 * An existing record keeps its own `~all`/`-all`/`?all`.
 */
import { canonicalName } from "../dns/names";
import { isMechanism, parseSpf, type SpfTerm } from "./parse";
import type { SpfRequirement } from "./requirement";

/** What suggestRecord needs to know about each unmet requirement (SpfUnauthorised from check.ts). */
export interface Unmet {
  readonly kind: "include" | "ip4" | "ip6";
  readonly value: string;
  readonly reason: string;
}

/** The policy a new record ends with. */
export const NEW_RECORD_ALL = "~all";

/** The record to publish: `records` as found (none when absent), with what `unmet` lists added. */
export function suggestRecord(records: readonly string[] | undefined, requirement: SpfRequirement | undefined, unmet: readonly Unmet[]): string {
  const additions = unmet.filter((u) => requirement?.[u.kind].includes(u.value) && !u.reason.startsWith("not an")).map((u) => `${u.kind}:${u.value}`);
  if (!records?.length) return ["v=spf1", ...additions, NEW_RECORD_ALL].join(" ");
  const [first, ...others] = records.map((r) => parseSpf(r).terms);
  const allIndex = first.findIndex((t) => t.kind === "all");
  const before = allIndex < 0 ? first.filter(isMechanism) : first.slice(0, allIndex).filter(isMechanism);
  const after = allIndex < 0 ? [] : first.slice(allIndex + 1).filter(isMechanism);
  const all = allIndex < 0 ? undefined : first[allIndex];
  const modifiers: SpfTerm[] = [];
  for (const t of [...first, ...others.flat()].filter((t) => !isMechanism(t))) {
    if ((t.kind === "redirect" || t.kind === "exp") && modifiers.some((m) => m.kind === t.kind)) continue;
    if (!modifiers.some((m) => m.text.toLowerCase() === t.text.toLowerCase())) modifiers.push(t);
  }
  const texts = before.map((t) => t.text);
  const has = (text: string) => texts.some((t) => t.toLowerCase() === text.toLowerCase());
  for (const t of others.flat()) if (isMechanism(t) && t.kind !== "all" && !has(t.text)) texts.push(t.text);
  // An include required but present under a non-pass qualifier at the top: replaced by the pass form.
  const requalified = new Set(unmet.filter((u) => u.kind === "include").map((u) => canonicalName(u.value)));
  const kept = texts.filter((text) => {
    const m = /^[-~?]include:(.*)$/i.exec(text);
    return !(m && requalified.has(canonicalName(m[1])));
  });
  for (const a of additions) if (!kept.some((t) => t.toLowerCase() === a.toLowerCase())) kept.push(a);
  const policy = all ? (all.text.startsWith("+") || all.text.toLowerCase() === "all" ? NEW_RECORD_ALL : all.text) : undefined;
  return ["v=spf1", ...kept, ...(policy ? [policy] : []), ...after.map((t) => t.text), ...modifiers.map((t) => t.text)].join(" ");
}
