/** Names compare case-insensitively, with or without the trailing dot (RFC 4343). */

/** Strips a trailing dot and lower-cases: the form names are compared in. */
export const canonicalName = (name: string): string => name.replace(/\.$/, "").toLowerCase();

export const sameName = (a: string, b: string): boolean => canonicalName(a) === canonicalName(b);
