import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { promises as fsp } from "node:fs";
import { basename, dirname, join } from "node:path";
import { mapLimit } from "../map-limit";

/**
 * Temp files are `.<name>.<pid>.<random>.tmp` beside their target, so that a
 * later run can tell an orphan (its writer is gone) from a write in progress.
 */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

function tempName(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Writes `data` to a new temp file beside `file` and syncs it; returns the temp path (see commitTemp). */
export function writeTemp(file: string, data: string, mode: number): string {
  const tmp = tempName(file);
  const fd = openSync(tmp, "wx", mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  return tmp;
}

function syncDir(dir: string): void {
  const dfd = openSync(dir, "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** Puts a synced temp file (writeTemp) in place of `file`, atomically, and syncs the directory. */
export function commitTemp(tmp: string, file: string): void {
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  syncDir(dirname(file));
}

/** The temp files written for `file` (beside it) whose writer is no longer running. */
export function orphanedTempsOf(file: string): string[] {
  const dir = dirname(file);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => TEMP.exec(name)?.[1] === basename(file) && !isRunning(Number(TEMP.exec(name)![2])))
    .map((name) => join(dir, name));
}

/**
 * Writes a file so that readers see the old content or the new, never a
 * part: a temp file in the same directory, fsync, rename, fsync the directory.
 */
export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  commitTemp(writeTemp(file, data, mode), file);
}

/**
 * Creates `file` atomically and only if it does not exist: readers see no
 * file or the whole file, and of two writers racing for one name exactly one
 * wins (link(2) never replaces). Returns false when the file already existed.
 */
export function createFileExclusive(file: string, data: string, mode = 0o600): boolean {
  const tmp = writeTemp(file, data, mode);
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
  syncDir(dirname(file));
  return true;
}

/**
 * createFileExclusive for many files at once, with the durability work
 * batched: every temp file is written and synced concurrently (the file
 * system commits them together), each is then linked into place
 * (create-only) and removed, and each directory is synced once. Whatever a
 * crash leaves, a name holds a whole, synced file. Returns, per file,
 * whether it was created (false: the name existed).
 */
export async function createFilesExclusive(files: readonly { file: string; data: string; mode?: number }[]): Promise<boolean[]> {
  const temps = await mapLimit(files, 64, async ({ file, data, mode }) => {
    const tmp = tempName(file);
    const handle = await fsp.open(tmp, "wx", mode ?? 0o600);
    try {
      await handle.writeFile(data);
      await handle.datasync();
    } catch (e) {
      await handle.close();
      unlinkSync(tmp);
      throw e;
    }
    await handle.close();
    return tmp;
  });
  const created = files.map(({ file }, i) => {
    try {
      linkSync(temps[i], file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      for (const t of temps.slice(i)) unlinkSync(t);
      throw e;
    } finally {
      if (exists(temps[i])) unlinkSync(temps[i]);
    }
  });
  for (const dir of new Set(files.map(({ file }) => dirname(file)))) syncDir(dir);
  return created;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** No write takes this long: a temp file this old is an orphan even if its pid was reused. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Removes temp files under `dir` (recursively) whose writer is no longer
 * running: what a run killed mid-write (kill -9, power loss) left behind. A
 * temp file of a store holds a whole private key. Returns the files removed.
 */
export function removeOrphanedTemps(dir: string): string[] {
  const removed: string[] = [];
  if (!existsSync(dir)) return removed;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removed.push(...removeOrphanedTemps(path));
    else {
      const m = TEMP.exec(entry.name);
      if (m && (!isRunning(Number(m[2])) || Date.now() - lstatSync(path).mtimeMs > STALE_TEMP_MS)) {
        unlinkSync(path);
        removed.push(path);
      }
    }
  }
  return removed;
}

/** Whether `name` is one of our temp files (for directory listings). */
export function isTempFile(name: string): boolean {
  return TEMP.test(name);
}

/** Creates `dir` and any missing parents with mode 0700 (whatever the umask). */
export function mkdirPrivate(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !exists(d); d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    mkdirSync(d, { mode: 0o700 });
    chmodSync(d, 0o700);
  }
}

/** Whether anything (even a dangling link) is at `path`. */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
