/**
 * Problems in an input file, each with its place, reported all at once.
 */
import { withoutPrivateKeys } from "../redact";

export interface Problem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly col: number;
  /** Where in the document, e.g. `domains/example.com/selectors/s1/ttl`; empty for the whole file. */
  readonly path: string;
  /** What is wrong and what to do. */
  readonly message: string;
}

/** `FILE:LINE:COL: path: message`; a private key that a message quotes by mistake is left out. */
export function formatProblem(p: Problem): string {
  return withoutPrivateKeys(`${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ""}${p.message}`);
}

/** Thrown when an input file is invalid; carries every problem found. */
export class InputError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const sorted = [...problems].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
    super(sorted.map(formatProblem).join("\n"));
    this.problems = sorted;
    this.name = "InputError";
  }
}

/**
 * Thrown when a check finds things wrong that have no place in an input file
 * (a key store that disagrees with the lock, keys missing from the store);
 * carries every reason, found before anything was written unless `changed`
 * says what was.
 */
export class ProblemsError extends Error {
  readonly reasons: readonly string[];
  /** What was written before the problems were found, when something was (then no message says "nothing was changed"). */
  readonly changed?: string;
  constructor(reasons: readonly string[], changed?: string) {
    const unique = [...new Set(reasons)];
    super(unique.join("\n"));
    this.reasons = unique;
    if (changed !== undefined) this.changed = changed;
    this.name = "ProblemsError";
  }
}

/**
 * Edit distance for "did you mean" hints: insertions, deletions, substitutions
 * and swaps of two neighbours (optimal string alignment), so that `tll`
 * is one edit from `ttl` and `rsa-2084` from `rsa-2048`.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length];
}

/** The closest candidate within a small edit distance, if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
