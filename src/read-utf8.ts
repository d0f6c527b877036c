/**
 * A text file read as UTF-8, strictly: its text (a UTF-8 byte order mark
 * dropped), the error code when it cannot be read, or, when its bytes are
 * not UTF-8, the text before the first that is not and whether the file
 * starts with a UTF-16 byte order mark. The one reader of domains.yaml, the
 * lock and customer list files; each says in its own words what went wrong.
 *
 * (Decoded from the bytes with TextDecoder, or copied where they are ASCII:
 * on Node 20 that takes half the time of readFileSync(file, "utf8") for a
 * 6 MB file, and the copy two thirds of the decoding; measured.)
 */
import { isAscii } from "node:buffer";
import { readFileSync } from "node:fs";

export type Utf8File =
  | { readonly text: string }
  /** The errno code (`ENOENT`, `EISDIR`, ...), or the error's text when it has none. */
  | { readonly unreadable: string }
  | { readonly notUtf8: { readonly before: string; readonly utf16: boolean } };

const REPLACEMENT = "\ufffd";

export function readUtf8(file: string): Utf8File {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    return { unreadable: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
  // ASCII (most of these files) is its own UTF-8 and Latin-1: copied as it is, without decoding.
  if (isAscii(bytes)) return { text: bytes.toString("latin1") };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const lossy = new TextDecoder("utf-8").decode(bytes);
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    return { notUtf8: { before: lossy.slice(0, firstNotUtf8(lossy, bytes)), utf16 } };
  }
}

/**
 * Where in the lossy text the first bytes that are not UTF-8 were replaced:
 * the first U+FFFD that the file does not hold as such (EF BF BD). Before it
 * every character was read as written, so its byte offset is the UTF-8
 * length of the text before it (and the BOM the decoder dropped).
 */
function firstNotUtf8(lossy: string, bytes: Buffer): number {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = lossy.indexOf(REPLACEMENT); i >= 0; i = lossy.indexOf(REPLACEMENT, i + 1)) {
    const at = bom + Buffer.byteLength(lossy.slice(0, i));
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return i;
  }
  return 0;
}
