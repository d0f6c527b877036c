/** Command-line parsing shared by the dkimctl commands: every mistake is a UsageError (exit 2). */
import { parseArgs, ParseArgsConfig } from "node:util";
import { parseHostPort } from "../dns/client";
import { UsageError } from "./report";

export function parseOptions<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O, positionals = 0) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true });
    if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
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
