/** The DNS servers dkimctl talks to: an IP address and a port. */
import { promises as dns } from "node:dns";
import * as net from "node:net";

export interface Server {
  /** An IPv4 or IPv6 address (not a host name). */
  readonly host: string;
  readonly port: number;
}

export const formatServer = (s: Server): string => (net.isIPv6(s.host) ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);

/**
 * A server as node:dns lists it (`Resolver#getServers`): `192.0.2.1`, `192.0.2.1:5353`,
 * `2001:db8::1` or `[2001:db8::1]:5353`. Undefined for anything else.
 */
export function parseServer(text: string): Server | undefined {
  if (net.isIP(text)) return { host: text, port: 53 };
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || (m?.[1] ? !net.isIPv6(host) : !net.isIPv4(host)) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** An address for `host`: itself when it is an IP, else looked up with the system resolver (getaddrinfo). */
export async function addressOf(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    return (await dns.lookup(host)).address;
  } catch (e) {
    throw new Error(`cannot find the address of ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
