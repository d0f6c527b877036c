/** A domain's rotation policy: how often keys change and how long each phase lasts. */
import { type KeyAlgorithm, keyType } from "../dkim/keys";
import { checkHostName } from "../dns/host-name";

export interface RotationPolicy {
  /** Time between rotations (activation to activation). */
  readonly every: number;
  /** How long a new key is published before it signs. */
  readonly publishAhead: number;
  /** How long an old key stays published after it stops signing. */
  readonly retireAfter: number;
  /** How long the empty (revoked) record stays before the name is removed. */
  readonly revokeFor: number;
  /** The algorithms the domain signs with, one active key each. */
  readonly keys: readonly KeyAlgorithm[];
  /** Selector name template: {k} (s for RSA, e for Ed25519), {yyyy}, {mm}, {dd}, {seq} (a, b, ..., z, za, ...). */
  readonly selector: string;
}

const DAY = 86_400_000;
export const DEFAULT_POLICY: RotationPolicy = {
  every: 180 * DAY,
  publishAhead: 3 * DAY,
  retireAfter: 7 * DAY,
  revokeFor: 30 * DAY,
  keys: ["rsa-2048"],
  selector: "{k}{yyyy}{mm}{seq}",
};

/** Why a policy cannot work, per field, or an empty list. */
export function policyProblems(p: RotationPolicy): { field: keyof RotationPolicy; message: string }[] {
  const out: { field: keyof RotationPolicy; message: string }[] = [];
  if (p.publishAhead <= 0) out.push({ field: "publishAhead", message: "must be longer than 0: a key must be in DNS before anything signs with it" });
  if (p.every <= p.publishAhead)
    out.push({ field: "every", message: "must be longer than publishAhead: the next key is published publishAhead before it signs" });
  if (p.retireAfter <= 0) out.push({ field: "retireAfter", message: "must be longer than 0: mail signed just before a rotation is still in transit" });
  if (new Set(p.keys).size !== p.keys.length) out.push({ field: "keys", message: "lists an algorithm twice" });
  if (p.keys.length === 0) out.push({ field: "keys", message: "must list at least one algorithm" });
  const types = p.keys.map(keyType);
  if (new Set(types).size !== types.length)
    out.push({ field: "keys", message: "lists two RSA sizes: a domain signs with one key per type (k=rsa, k=ed25519)" });
  if (!p.selector.includes("{seq}")) out.push({ field: "selector", message: "must contain {seq}, so that names are never reused" });
  if (p.keys.length > 1 && !p.selector.includes("{k}")) out.push({ field: "selector", message: "must contain {k} when the domain rotates several algorithms" });
  const sample = renderSelector(p.selector, "rsa-2048", new Date(Date.UTC(2026, 10, 26)), 0);
  const checked = checkHostName(sample, "selector");
  if (!checked.ok || /[{}]/.test(sample))
    out.push({
      field: "selector",
      message: `renders as '${sample}', which is not a selector: use letters, digits, hyphens and the placeholders {k} {yyyy} {mm} {dd} {seq}`,
    });
  return out;
}

/** `a`, `b`, ..., `z`, `za`, `zb`, ...: sorts in creation order. */
export function sequenceLabel(n: number): string {
  return "z".repeat(Math.floor(n / 25)) + String.fromCharCode(97 + (n % 25));
}

export function renderSelector(template: string, algorithm: KeyAlgorithm, when: Date, seq: number): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return template
    .replace(/\{k\}/g, keyType(algorithm) === "ed25519" ? "e" : "s")
    .replace(/\{yyyy\}/g, String(when.getUTCFullYear()))
    .replace(/\{mm\}/g, pad(when.getUTCMonth() + 1))
    .replace(/\{dd\}/g, pad(when.getUTCDate()))
    .replace(/\{seq\}/g, sequenceLabel(seq))
    .toLowerCase();
}

/** The first name from the template that is not in `used`. */
export function nextSelector(template: string, algorithm: KeyAlgorithm, when: Date, used: ReadonlySet<string>): string {
  for (let seq = 0; ; seq++) {
    const name = renderSelector(template, algorithm, when, seq);
    if (!used.has(name)) return name;
  }
}
