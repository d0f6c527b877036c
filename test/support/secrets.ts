/**
 * Finding private key material in text: PEM headers, and the secret parts
 * of each key (RSA d, p, q; the Ed25519 seed) in base64, base64url and hex,
 * so that a key copied in any common encoding is caught.
 */
import { createPrivateKey } from "node:crypto";
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const PEM_HEADER = /-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----/;

/** Substrings that only a leak of this private key can contain. */
export function secretNeedles(pem: string): string[] {
  const jwk = createPrivateKey(pem).export({ format: "jwk" }) as Record<string, string>;
  const parts = ["d", "p", "q"].map((k) => jwk[k]).filter((v): v is string => typeof v === "string");
  const needles: string[] = [];
  for (const b64url of parts) {
    const bytes = Buffer.from(b64url, "base64url");
    // 24 characters of base64 is 18 bytes of key: no accidental match. Three alignments of the start.
    for (const offset of [0, 1, 2]) {
      const slice = bytes.subarray(offset, offset + 18);
      needles.push(slice.toString("base64"), slice.toString("base64url"), slice.toString("hex"));
    }
  }
  // The PKCS#8 body lines holding the secret (all but the first lines, which also carry the public modulus).
  const body = pem.split("\n").filter((l) => l && !l.startsWith("-----"));
  needles.push(...body.slice(jwk.kty === "RSA" ? 8 : 1));
  return [...new Set(needles)];
}

/** Every leak in `text`: a PEM private key header, or a needle of one of `pems`. */
export function findSecrets(text: string, pems: readonly string[]): string[] {
  const found: string[] = [];
  if (PEM_HEADER.test(text)) found.push("a PEM private key header");
  pems.forEach((pem, i) => {
    const hit = secretNeedles(pem).find((n) => text.includes(n));
    if (hit) found.push(`material of private key #${i} (${hit.slice(0, 6)}...)`);
  });
  return found;
}

/**
 * Every file under `dir` (recursively) with the leaks found in it. Skips
 * `.terraform/` (the provider binaries terraform init links in) and symlinks.
 */
export function scanTree(dir: string, pems: readonly string[]): { file: string; found: string[] }[] {
  const out: { file: string; found: string[] }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (name !== ".terraform") walk(p);
      } else {
        const found = findSecrets(readFileSync(p, "latin1"), pems);
        if (found.length) out.push({ file: p, found });
      }
    }
  };
  walk(dir);
  return out;
}
