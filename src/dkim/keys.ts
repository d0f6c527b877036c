/**
 * DKIM key material: generation, the public `p=` value, fingerprints and
 * import of existing keys. Private keys are PKCS#8 PEM strings; nothing here
 * writes them anywhere.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, generateKeyPairSync, type KeyObject } from "node:crypto";

export const KEY_ALGORITHMS = ["rsa-1024", "rsa-2048", "rsa-3072", "rsa-4096", "ed25519"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** The `k=` tag of a key. */
export type KeyType = "rsa" | "ed25519";

export function keyType(algorithm: KeyAlgorithm): KeyType {
  return algorithm === "ed25519" ? "ed25519" : "rsa";
}

/**
 * The length of the `p=` value of every key of an algorithm, so that a key's
 * record can be measured before the key exists: base64 of an RSA
 * SubjectPublicKeyInfo (its modulus exactly that many bits and exponent
 * 65537, as node:crypto makes them) or of an Ed25519 key's 32 bytes
 * (RFC 8463). test/txt-limit.test.ts checks it against keys made here.
 */
export const PUBLIC_KEY_CHARS: Readonly<Record<KeyAlgorithm, number>> = {
  "rsa-1024": 216,
  "rsa-2048": 392,
  "rsa-3072": 564,
  "rsa-4096": 736,
  ed25519: 44,
};

/** Why a key size deserves a warning (RFC 8301), or undefined. */
export function algorithmWarning(algorithm: KeyAlgorithm): string | undefined {
  if (algorithm === "rsa-1024") return "rsa-1024 is the RFC 8301 minimum and weak today; prefer rsa-2048";
  if (algorithm === "rsa-3072" || algorithm === "rsa-4096")
    return `${algorithm} makes a large DNS answer (several TXT strings, TCP fallback for some resolvers); rsa-2048 is the common choice`;
  return undefined;
}

export interface KeyPair {
  readonly algorithm: KeyAlgorithm;
  /** PKCS#8 PEM. Keep it out of logs, Terraform and git. */
  readonly privateKeyPem: string;
  /** The `p=` value: base64 SPKI DER for RSA, base64 raw 32 bytes for Ed25519 (RFC 8463). */
  readonly publicKey: string;
}

export function generateKeyPair(algorithm: KeyAlgorithm): KeyPair {
  const pair = algorithm === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("rsa", { modulusLength: Number(algorithm.slice(4)) });
  return keyPairFromPrivate(pair.privateKey);
}

/** The same off the main thread (libuv's pool), so the event loop stays free while a key is made. */
export function generateKeyPairAsync(algorithm: KeyAlgorithm): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: KeyObject, privateKey: KeyObject) => (err ? reject(err) : resolve(keyPairFromPrivate(privateKey)));
    if (algorithm === "ed25519") generateKeyPairCb("ed25519", {}, done);
    else generateKeyPairCb("rsa", { modulusLength: Number(algorithm.slice(4)) }, done);
  });
}

/** The `p=` value of a public key object. */
export function publicKeyValue(key: KeyObject): string {
  const der = key.export({ type: "spki", format: "der" });
  // An Ed25519 SPKI is a fixed 12-byte prefix and the raw 32-byte key.
  return (key.asymmetricKeyType === "ed25519" ? der.subarray(der.length - 32) : der).toString("base64");
}

/** The lock file's fingerprint of a `p=` value: SHA-256 of its bytes, hex. */
export function fingerprint(publicKey: string): string {
  return `sha256:${createHash("sha256").update(Buffer.from(publicKey, "base64")).digest("hex")}`;
}

/** The lock's fingerprint of a private key (that of its public half). Throws for text that is not a private key. */
export function privateKeyFingerprint(pem: string): string {
  return fingerprint(publicKeyValue(createPublicKey(createPrivateKey(pem))));
}

/** Algorithm of an existing key, or a reason it is unusable for DKIM. */
export function algorithmOf(key: KeyObject): { ok: true; algorithm: KeyAlgorithm } | { ok: false; reason: string } {
  if (key.asymmetricKeyType === "ed25519") return { ok: true, algorithm: "ed25519" };
  if (key.asymmetricKeyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    const algorithm = `rsa-${bits}` as KeyAlgorithm;
    if (KEY_ALGORITHMS.includes(algorithm)) return { ok: true, algorithm };
    return {
      ok: false,
      reason: `is a ${bits}-bit RSA key; dkimctl supports ${KEY_ALGORITHMS.filter((a) => a.startsWith("rsa")).join(", ")} (RFC 8301 forbids under 1024)`,
    };
  }
  return { ok: false, reason: `is a ${key.asymmetricKeyType} key; DKIM uses RSA (k=rsa) or Ed25519 (k=ed25519)` };
}

function keyPairFromPrivate(privateKey: KeyObject): KeyPair {
  const checked = algorithmOf(privateKey);
  if (!checked.ok) throw new Error(`the key ${checked.reason}`);
  return {
    algorithm: checked.algorithm,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKeyValue(createPublicKey(privateKey)),
  };
}

/**
 * Reads a private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE
 * KEY`, RSA or Ed25519) and returns it normalised to PKCS#8. Throws an Error
 * whose message says what is wrong; the message never contains key material.
 */
export function importPrivateKey(pem: string): KeyPair {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    if (/BEGIN ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem))
      throw new Error("the key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem)");
    if (/PUBLIC KEY/.test(pem)) throw new Error("this is a public key; import needs the private key the signer uses");
    throw new Error("not a PEM private key (expected a PKCS#8 'PRIVATE KEY' or PKCS#1 'RSA PRIVATE KEY' PEM block)");
  }
  return keyPairFromPrivate(key);
}
