/**
 * `spf:` in domains.yaml: what a sender domain's SPF record must authorise.
 * dkimctl checks it (verify), never publishes it: the apex TXT record set is
 * shared with other tools.
 */
import { isIP } from "node:net";
import { checkHostName } from "../dns/host-name";
import { excerpt } from "../redact";
import { parseRange } from "../spf/ranges";
import type { SpfRequirement } from "../spf/requirement";
import { isMapping, type PathKey } from "./yaml-source";

type Report = (path: PathKey[], message: string) => void;

const FAMILY = { ip4: { version: 4, bits: 32, example: "192.0.2.0/24" }, ip6: { version: 6, bits: 128, example: "2001:db8::/32" } } as const;

/**
 * An ip4/ip6 term's address or CIDR range (the range's prefix length at most 32/128), or why it is not one.
 * Valid exactly when the SPF checker can read it (parseRange): what domains.yaml accepts, verify can check.
 */
export function spfNetwork(kind: "ip4" | "ip6", raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  const { version, bits, example } = FAMILY[kind];
  const text = raw.trim();
  const [address, prefix] = text.split("/");
  if (parseRange(text)?.family === version)
    return { ok: true, value: prefix === undefined ? address.toLowerCase() : `${address.toLowerCase()}/${Number(prefix)}` };
  if (text.split("/").length > 2 || isIP(address) !== version || address.includes("%"))
    return { ok: false, reason: `is not an IPv${version} address or CIDR range (e.g. ${example})` };
  return { ok: false, reason: `has the prefix length /${excerpt(prefix)}; an IPv${version} range has /0../${bits}` };
}

/** The domain's `spf:` (undefined when absent), each bad entry reported at its place. */
export function spfRequirement(raw: unknown, path: PathKey[], at: Report): SpfRequirement | undefined {
  if (!isMapping(raw)) return undefined;
  const list = (key: string, check: (item: string) => { ok: true; value: string } | { ok: false; reason: string }): string[] => {
    const items = Array.isArray(raw[key]) ? (raw[key] as unknown[]) : [];
    const out: string[] = [];
    items.forEach((item, i) => {
      if (typeof item !== "string") return; // the shape check reported it
      const checked = check(item);
      if (checked.ok) out.push(checked.value);
      else at([...path, key, i], `'${excerpt(item)}' ${checked.reason}`);
    });
    return [...new Set(out)];
  };
  const include = list("include", (item) => {
    const host = checkHostName(item, "target");
    return host.ok ? host : { ok: false, reason: `is not a domain name to include: it ${host.reason}` };
  });
  return { include, ip4: list("ip4", (item) => spfNetwork("ip4", item)), ip6: list("ip6", (item) => spfNetwork("ip6", item)) };
}
