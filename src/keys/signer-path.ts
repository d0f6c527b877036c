/**
 * How an export's files name each other (`--signer-dir`): the OpenDKIM
 * KeyTable and opendkim.conf, and rspamd's dkim_signing.conf, are read on the
 * signer, so they name files where the export will be there, or relative to
 * the export's directory with a note saying so; never the machine path of
 * the directory dkimctl wrote.
 */
import { posix, sep } from "node:path";

/**
 * Why `dir` cannot be a signer directory, or undefined: an absolute POSIX
 * path that KeyTable's whitespace- and colon-separated fields and rspamd's
 * quoted strings can hold as is.
 */
export function signerDirProblem(dir: string): string | undefined {
  if (!dir.startsWith("/")) return "must be an absolute path on the signer, e.g. /etc/dkimkeys";
  if (/[\s:"'\\#\x00-\x1f\x7f]/.test(dir))
    return "must not hold spaces, colons, quotes, backslashes or '#' (OpenDKIM's KeyTable and rspamd's config could not name it)";
  return undefined;
}

/** How the signer's files name a file of the export (`rel`, relative to its directory). */
export type SignerPath = (rel: string) => string;

/** `rel` under the signer directory, or as is (relative to the export's directory). */
export function signerPaths(signerDir: string | undefined): SignerPath {
  if (signerDir === undefined) return (rel) => rel.split(sep).join("/");
  const problem = signerDirProblem(signerDir);
  if (problem) throw new Error(`--signer-dir ${signerDir} ${problem}`);
  const root = posix.normalize(signerDir);
  return (rel) => posix.join(root, ...rel.split(sep));
}

/** Why a signer needs the key files named where they are on it. */
const WHY: Record<"OpenDKIM" | "rspamd", string> = {
  // OpenDKIM's KeyTable reads a key file only when the value starts with '/'; anything else is taken for the key data.
  OpenDKIM: "OpenDKIM reads a key file only by an absolute path (it takes any other value for the key itself)",
  rspamd: "rspamd would look for them from its own working directory",
};

/** The comment lines that say how the files' paths are written, for `signer`. */
export function signerNote(signerDir: string | undefined, signer: keyof typeof WHY): string[] {
  if (signerDir !== undefined)
    return [`# Paths are where this export will be on the signer (--signer-dir ${signerDir}): copy the export's directory there as is.`];
  return [
    `# Key files are named relative to the export's directory (the one holding keys/): ${WHY[signer]}.`,
    "# Export again with --signer-dir DIR, DIR being where this directory will be on the signer (e.g. --signer-dir /etc/dkimkeys).",
  ];
}
