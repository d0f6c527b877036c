/**
 * IPv4/IPv6 ranges as SPF uses them (`ip4:`, `ip6:`, and `a`/`mx` with CIDR
 * lengths): whether a range is covered by the union of others. Addresses are
 * integers (bigint), a range is [first, last]; node:net's BlockList answers
 * for one address at a time, not for whole ranges, so the arithmetic is here.
 */
import * as net from "node:net";

export type Family = 4 | 6;

export interface IpRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

function toBigInt(address: string, family: Family): bigint {
  if (family === 4) return address.split(".").reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
  // Expand `::` and a trailing dotted quad into eight 16-bit groups.
  let text = address;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v = toBigInt(quad[1], 4);
    text = `${text.slice(0, quad.index)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const groups = (s: string | undefined) => (s ? s.split(":") : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return all.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** The range of `address/prefix`: host bits ignored, as SPF does (RFC 7208 5.6). */
export function rangeOf(address: string, prefix: number): IpRange {
  const family: Family = net.isIPv4(address) ? 4 : 6;
  const bits = BigInt(BITS[family] - prefix);
  const first = (toBigInt(address, family) >> bits) << bits;
  return { family, first, last: first + (1n << bits) - 1n };
}

/** `addr` or `addr/len` as a range, or undefined when it is neither an IPv4 nor an IPv6 network. */
export function parseRange(text: string): IpRange | undefined {
  const [address, len, extra] = text.split("/");
  const family = net.isIP(address);
  if ((family !== 4 && family !== 6) || extra !== undefined || address.includes("%")) return undefined;
  const prefix = len === undefined ? BITS[family] : /^\d{1,3}$/.test(len) ? Number(len) : Number.NaN;
  if (!(prefix >= 0 && prefix <= BITS[family])) return undefined;
  return rangeOf(address, prefix);
}

/** Whether every address of `wanted` is in one of `ranges` (ranges may overlap or adjoin). */
export function covered(wanted: IpRange, ranges: readonly IpRange[]): boolean {
  const same = ranges.filter((r) => r.family === wanted.family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = wanted.first; // the first address not yet known to be covered
  for (const r of same) {
    if (r.first > next) break;
    if (r.last >= next) next = r.last + 1n;
    if (next > wanted.last) return true;
  }
  return next > wanted.last;
}
