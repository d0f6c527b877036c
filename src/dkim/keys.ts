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

/**
 * The same off the main thread: the key is made and encoded (PKCS#8 PEM,
 * SPKI DER) in libuv's pool, so keys are made on every core and the main
 * thread only collects them.
 */
export function generateKeyPairAsync(algorithm: KeyAlgorithm): Promise<KeyPair> {
  const encodings = { publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } } as const;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, spki: Buffer, privateKeyPem: string) => {
      if (err) return reject(err);
      // An Ed25519 SPKI is a fixed 12-byte prefix and the raw 32-byte key (RFC 8463's p=); RSA's p= is the whole SPKI.
      resolve({ algorithm, privateKeyPem, publicKey: (algorithm === "ed25519" ? spki.subarray(spki.length - 32) : spki).toString("base64") });
    };
    if (algorithm === "ed25519") generateKeyPairCb("ed25519", encodings, done);
    else generateKeyPairCb("rsa", { modulusLength: Number(algorithm.slice(4)), ...encodings }, done);
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
  const fast = ed25519PublicKey(pem);
  return fingerprint(fast ?? publicKeyValue(createPublicKey(createPrivateKey(pem))));
}

/** PKCS#8 of an Ed25519 key (RFC 8410): this fixed DER header, then the 32-byte seed. */
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
/** PEM armour lines, built so that no source file holds what looks like a private key (test/secrets.test.ts scans them). */
const [PEM_BEGIN, PEM_END] = ["BEGIN", "END"].map((w) => `${"-".repeat(5)}${w} PRIVATE KEY${"-".repeat(5)}`);
const PKCS8_PEM = new RegExp(`^${PEM_BEGIN}\\r?\\n([A-Za-z0-9+/=\\r\\n]+?)\\r?\\n${PEM_END}\\r?\\n?$`);
/** An x that no seed derives to, to tell that the public key below was derived from d and not taken from x. */
const SENTINEL_X = Buffer.alloc(32, 0).toString("base64url");

/** An Ed25519 PKCS#8 PEM (as ed25519PublicKey accepts it) as OpenSSL writes it: its 48 DER bytes on one line. */
function canonicalEd25519Pem(pem: string): string {
  const der = Buffer.from(PKCS8_PEM.exec(pem)![1].replace(/\s/g, ""), "base64");
  return `${PEM_BEGIN}\n${der.toString("base64")}\n${PEM_END}\n`;
}

/**
 * The `p=` value of an Ed25519 PKCS#8 PEM (the form dkimctl writes), or
 * undefined for anything else. OpenSSL 3 decodes a PEM key in about 1.3 ms;
 * the raw seed imports as a JWK in a tenth of that, which matters when
 * `validate` or `keys` check 50,000 stored keys. Node derives the public
 * half from `d` and requires an `x`: a sentinel is given, and a result equal
 * to it (a Node that took `x` as given) falls back to the full decoder.
 */
function ed25519PublicKey(pem: string): string | undefined {
  const body = PKCS8_PEM.exec(pem)?.[1];
  if (body === undefined) return undefined;
  const der = Buffer.from(body.replace(/\s/g, ""), "base64");
  if (der.length !== 48 || !der.subarray(0, 16).equals(ED25519_PKCS8)) return undefined;
  try {
    const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: der.subarray(16).toString("base64url"), x: SENTINEL_X }, format: "jwk" });
    const x = createPublicKey(key).export({ format: "jwk" }).x;
    return x === undefined || x === SENTINEL_X ? undefined : Buffer.from(x, "base64url").toString("base64");
  } catch {
    return undefined;
  }
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
  // createPrivateKey reads the first block and ignores the rest: a file of two keys would import one of them silently.
  const blocks = pem.match(/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/g)?.length ?? 0;
  if (blocks > 1) throw new Error(`the file holds ${blocks} private keys: give a file holding exactly one (the one the signer uses for this selector)`);
  // The form dkimctl writes, read without OpenSSL's slow decoder (a store of 50,000 keys is read back this way).
  const ed = ed25519PublicKey(pem);
  if (ed !== undefined) return { algorithm: "ed25519", privateKeyPem: canonicalEd25519Pem(pem), publicKey: ed };
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
