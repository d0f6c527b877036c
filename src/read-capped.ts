/**
 * Reading a file a user names (a key to import, an identity file) without
 * trusting its size: `/dev/zero` or a huge file ends in a clear error, not in
 * an allocation failure that kills the process.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** The file's text (UTF-8) when it holds at most `maxBytes`; throws an Error saying what is wrong otherwise. */
export function readFileCapped(file: string, maxBytes: number, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let size = 0;
    for (let n = 1; n > 0 && size <= maxBytes; size += n) n = readSync(fd, buf, size, buf.length - size, null);
    if (size > maxBytes) throw new Error(`${file} is larger than ${Math.round(maxBytes / 1024)} KiB: it is not ${what}`);
    return buf.subarray(0, size).toString("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`);
    throw e;
  } finally {
    closeSync(fd);
  }
}
