/** Command-line parsing shared by the dkimctl commands: every mistake is a UsageError (exit 2). */
import * as net from "node:net";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { didYouMean } from "../config/problems";
import { parseIsoTime } from "../time";
import { UsageError } from "./report";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What parseOptions returns, named (the package's declarations cannot name node:util's own types). */
export type ParsedOptions<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>>;

export function parseOptions<O extends Options>(args: string[], options: O, positionals = 0): ParsedOptions<O> {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
    if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const unknown = /^Unknown option '(--?[^']+)'/.exec((e as Error).message);
    if ((e as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
      const guess = didYouMean(unknown[1].replace(/^-+/, ""), Object.keys(options));
      throw new UsageError(`unknown option '${unknown[1]}'${guess ? `: did you mean '--${guess}'?` : ""}`);
    }
    throw new UsageError((e as Error).message);
  }
}

/** The value of `--name` among `allowed`; `fallback` when absent, or a usage error when there is none. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback?: T): T {
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--${name} is required: one of ${allowed.join(", ")}`);
  }
  if (!allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, not '${value}'`);
  return value as T;
}

export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

/** `--name HOST[:PORT]`: an IPv4 address, [IPv6]:PORT or a host name. */
export function hostPort(name: string, text: string): { host: string; port: number } {
  const parsed = parseHostPort(text);
  if (!parsed) throw new UsageError(`--${name} must be HOST or HOST:PORT (an IPv4 address, [IPv6]:PORT or a host name; port 1-65535), not '${text}'`);
  return parsed;
}

/** A host name: letters, digits and hyphens in labels of at most 63, a trailing dot allowed. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Parses `HOST[:PORT]`: `192.0.2.1`, `192.0.2.1:5353`, `[2001:db8::1]:53`, `2001:db8::1`, `dns.example:53`. Returns undefined when malformed. */
export function parseHostPort(text: string, defaultPort = 53): { host: string; port: number } | undefined {
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    if (!net.isIPv6(bracketed[1])) return undefined;
    [host, port] = [bracketed[1], bracketed[2]];
  } else if (net.isIPv6(text)) {
    host = text;
  } else {
    const m = /^([^:\s[\]]+)(?::(\d+))?$/.exec(text);
    if (!m) return undefined;
    [host, port] = [m[1], m[2]];
    if (!net.isIPv4(host) && !HOST_NAME.test(host)) return undefined;
  }
  const p = port === undefined ? defaultPort : Number(port);
  if (!Number.isInteger(p) || p < 1 || p > 65535 || (port !== undefined && !/^\d{1,5}$/.test(port))) return undefined;
  return { host, port: p };
}

/** `--now`: a real ISO 8601 time with a zone (e.g. 2026-11-26T04:00:00Z), default the current time. */
export function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const t = parseIsoTime(text);
  if (t === undefined) throw new UsageError(`--now must be a real ISO 8601 time such as 2026-11-26T04:00:00Z, not '${text.slice(0, 40)}'`);
  return t;
}
