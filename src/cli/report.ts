/** How dkimctl and the cdktf app end: clear messages, exit codes, no stack traces. */
import { InputError, formatProblem, ProblemsError } from "../config/problems";
import { withoutPrivateKeys } from "../redact";

export class UsageError extends Error {
  /** The command whose usage was wrong (`keys import`), so the message points at its own --help. */
  command?: string;
}

/** Exit status: 0 success, 1 invalid input or a failed check, 2 usage error. */
export function exitCodeFor(e: unknown): number {
  return e instanceof UsageError ? 2 : 1;
}

export function describeError(e: unknown): string {
  if (e instanceof InputError) {
    const n = e.problems.length;
    return `${e.problems.map(formatProblem).join("\n")}\n${n} problem${n === 1 ? "" : "s"} found; nothing was changed.`;
  }
  if (e instanceof ProblemsError) {
    const n = e.reasons.length;
    if (e.changed !== undefined) return `${e.reasons.map((r) => `error: ${r}`).join("\n")}\n${n} problem${n === 1 ? "" : "s"} found; ${e.changed}`;
    return `${e.reasons.map((r) => `error: ${r}`).join("\n")}${n > 1 ? `\n${n} problems found; nothing was changed.` : ""}`;
  }
  if (e instanceof UsageError) return `${e.message}\nRun 'dkimctl ${e.command ? `${e.command} ` : ""}--help' for usage.`;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Runs `fn`; on failure prints the message (never a stack trace) and exits. */
export function runOrExit(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    process.stderr.write(formatFailure(e));
    process.exit(exitCodeFor(e));
  }
}

/**
 * The text printed for a failure: problems start with FILE:LINE:COL so
 * editors can jump to them. Whatever a message quotes, a private key is left out.
 */
export function formatFailure(e: unknown): string {
  const text = e instanceof InputError || e instanceof ProblemsError ? describeError(e) : `error: ${describeError(e)}`;
  const stack = process.env.DKIMCTL_DEBUG && e instanceof Error && !(e instanceof InputError) ? `\n${e.stack}` : "";
  return withoutPrivateKeys(`${text}${stack}\n`);
}
