/**
 * `parked: true`: a domain that sends no mail. dkimctl publishes its DMARC
 * p=reject and a DKIM null record; what would publish or authorise mail for
 * it is a contradiction, reported where it is written.
 */
import { isMapping, type PathKey } from "./yaml-source";

type Report = (path: PathKey[], message: string, where?: "value" | "key") => void;

export function parkedProblems(raw: unknown, path: PathKey[], at: Report): void {
  if (!isMapping(raw) || raw.parked !== true) return;
  const why = "a parked domain sends no mail";
  if (raw.selectors !== undefined)
    at(
      [...path, "selectors"],
      `${why}, so it has no DKIM selectors (dkimctl publishes a null record, *._domainkey): remove 'selectors' or 'parked: true'`,
      "key",
    );
  if (raw.rotation !== undefined) at([...path, "rotation"], `${why}, so it has no keys to rotate: remove 'rotation' or 'parked: true'`, "key");
  const spf = isMapping(raw.spf) ? raw.spf : {};
  for (const key of ["include", "ip4", "ip6"])
    if (Array.isArray(spf[key]) && (spf[key] as unknown[]).length > 0)
      at(
        [...path, "spf", key],
        `${why}: its SPF record must authorise nothing ('v=spf1 -all', which verify checks): remove spf.${key} or 'parked: true'`,
        "key",
      );
}
