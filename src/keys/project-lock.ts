/**
 * One writer at a time per project: every command that writes the lock file
 * or the key store holds an exclusive lock on the project (a directory
 * `.dkimctl.lock` beside domains.yaml, made and kept fresh by
 * proper-lockfile). A second run waits for the first; a lock left by a run
 * that was killed goes stale and is taken over.
 */
import { join } from "node:path";
import { lock as acquire } from "proper-lockfile";

export const PROJECT_LOCK_NAME = ".dkimctl.lock";

export interface ProjectLockOptions {
  /** Told once when another run holds the lock and this one starts to wait. */
  readonly onWait?: (message: string) => void;
  /** How long to wait for another run before giving up. @default 10 minutes, or $DKIMCTL_LOCK_WAIT seconds */
  readonly waitMs?: number;
  /** A lock not refreshed for this long belongs to a dead run. @default 20 s, or $DKIMCTL_LOCK_STALE seconds */
  readonly staleMs?: number;
}

/** The held lock: writers call `assertHeld()` before each write. */
export interface ProjectLock {
  assertHeld(): void;
}

const seconds = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a number of seconds, not '${v}'`);
  return n * 1000;
};

/** Runs `fn` holding the lock of the project whose files are in `dir`. */
export async function withProjectLock<T>(dir: string, fn: (held: ProjectLock) => Promise<T> | T, opts: ProjectLockOptions = {}): Promise<T> {
  const path = join(dir, PROJECT_LOCK_NAME);
  const staleMs = opts.staleMs ?? seconds("DKIMCTL_LOCK_STALE") ?? 20_000;
  const waitMs = opts.waitMs ?? seconds("DKIMCTL_LOCK_WAIT") ?? 600_000;
  let lost: Error | undefined;
  const options = {
    realpath: false,
    lockfilePath: path,
    stale: Math.max(2000, staleMs),
    update: Math.max(1000, Math.floor(staleMs / 4)),
    onCompromised: (e: Error) => {
      lost = e;
    },
  };
  const started = Date.now();
  let release: (() => Promise<void>) | undefined;
  let told = false;
  while (!release) {
    try {
      release = await acquire(dir, options);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw new Error(`cannot lock the project (${path}): ${(e as Error).message}`);
      if (Date.now() - started >= waitMs)
        throw new Error(
          `another dkimctl run has held ${path} for ${Math.round((Date.now() - started) / 1000)} s: let it finish and run again; ` +
            `if no dkimctl is running, the lock frees itself ${Math.round(options.stale / 1000)} s after its run ended`,
        );
      if (!told) opts.onWait?.(`another dkimctl run is changing this project (${path}); waiting for it to finish`);
      told = true;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const held: ProjectLock = {
    assertHeld() {
      if (lost) throw new Error(`lost the project lock ${path} (${lost.message}); stopped before writing: run the command again`);
    },
  };
  try {
    return await fn(held);
  } finally {
    await release().catch(() => undefined);
  }
}
