/**
 * TXT values a zone's provider cannot hold (its `txt.maxValue`), refused
 * where domains.yaml asks for them: a selector, a rotation policy's keys, a
 * DMARC record. A generated key's record is measured before the key exists
 * (every key of an algorithm has a `p=` of the same length), so `keys` and
 * `rotate`, which check the config first, never make a key its zone cannot
 * publish.
 */
import { KEY_ALGORITHMS, type KeyAlgorithm, keyType, PUBLIC_KEY_CHARS } from "../dkim/keys";
import { type KeyRecordOptions, keyRecordValue } from "../dkim/record";
import { PROVIDERS, type ProviderName } from "../providers";
import { wordList } from "../word-list";

/** The longest TXT value a zone of `provider` holds, and a sentence on it for messages; undefined where no such limit applies. */
export interface TxtLimit {
  readonly bytes: number;
  /** `a TXT record in a <provider> zone holds at most <bytes> bytes (<why>)` */
  readonly says: string;
}

export function txtLimit(provider: ProviderName): TxtLimit | undefined {
  if (!LIMITS.has(provider)) {
    const max = PROVIDERS[provider].txt.maxValue;
    LIMITS.set(provider, max && { bytes: max.bytes, says: `a TXT record in a ${provider} zone holds at most ${max.bytes} bytes (${max.why})` });
  }
  return LIMITS.get(provider);
}

/** Each provider's limit, made once: it is asked for each domain and selector of a project. */
const LIMITS = new Map<ProviderName, TxtLimit | undefined>();

const bytes = (value: string): number => Buffer.byteLength(value, "utf8");

/** The length of the key record of a key of `algorithm` with these tags, before the key exists. */
export function keyRecordBytes(algorithm: KeyAlgorithm, opts: KeyRecordOptions = {}): number {
  // The record with an empty p=, and the key's characters (base64: one byte each), without making a 400-character record per selector.
  return bytes(keyRecordValue(keyType(algorithm), "", opts)) + PUBLIC_KEY_CHARS[algorithm];
}

/** The algorithms whose plain key record fits, weak rsa-1024 left out: `rsa-2048 or ed25519`. */
function fitting(limit: TxtLimit): string {
  return wordList(
    KEY_ALGORITHMS.filter((a) => a !== "rsa-1024" && keyRecordBytes(a) <= limit.bytes),
    "or",
  );
}

/** Why a generated selector's key (`algorithm`, from its `key` or defaults.key) cannot be published in its zone; undefined when it can. */
export function generatedKeyProblem(limit: TxtLimit, algorithm: KeyAlgorithm, opts: KeyRecordOptions, from: "key" | "defaults.key"): string | undefined {
  const size = keyRecordBytes(algorithm, opts);
  if (size <= limit.bytes) return undefined;
  const fix = keyRecordBytes(algorithm) <= limit.bytes ? "shorten or remove its note" : `use key: ${fitting(limit)}`;
  const which = from === "key" ? algorithm : `${algorithm} (defaults.key)`;
  return `the DKIM key record of an ${which} key is ${size} bytes, but ${limit.says}: ${fix}`;
}

/** Why a rotation policy's `keys` cannot be published in the domain's zone; undefined when they can. */
export function rotationKeysProblem(limit: TxtLimit, keys: readonly KeyAlgorithm[]): string | undefined {
  const tooLong = keys.filter((a) => keyRecordBytes(a) > limit.bytes);
  if (tooLong.length === 0) return undefined;
  const sizes = tooLong.map((a) => `${a} makes a DKIM key record of ${keyRecordBytes(a)} bytes`).join("; ");
  return `rotation keys: ${sizes}, but ${limit.says}: use ${fitting(limit)}`;
}

/** Why a provided key record cannot be published in its zone; undefined when it can. */
export function providedRecordProblem(limit: TxtLimit, txt: string): string | undefined {
  const size = bytes(txt);
  if (size <= limit.bytes) return undefined;
  return `the txt record is ${size} bytes, but ${limit.says}: ask the signing provider for an ${fitting(limit)} key, or delegate the selector to it with cname`;
}

/** Why a domain's DMARC record cannot be published in its zone; undefined when it can. */
export function dmarcRecordProblem(limit: TxtLimit, value: string): string | undefined {
  const size = bytes(value);
  if (size <= limit.bytes) return undefined;
  return `the DMARC record is ${size} bytes, but ${limit.says}: give fewer report URIs (rua, ruf)`;
}
