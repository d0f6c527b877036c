/**
 * The rspamd hand-off: key files in the forms rspamd's DKIM signer reads and
 * a `dkim_signing.conf` that maps each sender domain to its active selectors.
 * rspamd 3.x reads RSA keys as PEM but Ed25519 keys only as its own base64 of
 * seed and public key (what `rspamadm dkim_keygen -t ed25519` writes).
 */
import { createPrivateKey } from "node:crypto";
import { join } from "node:path";
import type { SignerPath } from "./signer-path";
import type { KeyAlgorithm } from "../dkim/keys";

/** What the rspamd files need of an exported key. */
interface SigningKey {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: KeyAlgorithm;
  readonly state: string;
  readonly privateKeyPem: string;
}

/** The key file's text for rspamd. */
export function rspamdKey(k: SigningKey): string {
  if (k.algorithm !== "ed25519") return k.privateKeyPem;
  const jwk = createPrivateKey(k.privateKeyPem).export({ format: "jwk" }) as { d: string; x: string };
  return `${Buffer.concat([Buffer.from(jwk.d, "base64url"), Buffer.from(jwk.x, "base64url")]).toString("base64")}\n`;
}

/**
 * The files of an rspamd export, relative to its directory; the conf names
 * them as `where` says (under the signer directory, or relative), after `note`.
 */
export function rspamdFiles(keys: readonly SigningKey[], where: SignerPath, note: readonly string[]): { rel: string; text: string }[] {
  const files = keys.map((k) => ({ rel: join("keys", k.domain, `${k.selector}.key`), text: rspamdKey(k) }));
  const domains = [...new Set(keys.map((k) => k.domain))].sort();
  const conf = [
    "# dkim_signing.conf written by dkimctl export: each sender domain with the selectors that sign now.",
    ...note,
    "# Pending keys are in keys/ too, so the signer can switch the moment dkimctl rotate activates them.",
    "# Include it from local.d/dkim_signing.conf, where your signing policy lives; that file must set",
    "# 'use_esld = false;' (dkimctl's keys belong to each exact sender domain, not its organisational domain):",
    "#   use_esld = false;",
    "#   sign_authenticated = true;",
    `#   .include "${where("dkim_signing.conf")}"`,
    "domain {",
  ];
  for (const d of domains) {
    const active = keys.filter((k) => k.domain === d && k.state === "active");
    if (active.length === 0) continue;
    conf.push(`  "${d}" {`, "    selectors [");
    for (const k of active) conf.push(`      { path: "${where(join("keys", k.domain, `${k.selector}.key`))}"; selector: "${k.selector}"; }`);
    conf.push("    ];", "  }");
  }
  conf.push("}", "");
  return [...files, { rel: "dkim_signing.conf", text: conf.join("\n") }];
}
