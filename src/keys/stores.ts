/**
 * The key store domains.yaml chooses (`keyStore`), opened for a command.
 * `--key-store` / `$DKIMCTL_KEY_STORE` pick the local store's directory.
 */
import type { Config, KeyStoreSpec } from "../config/model";
import { SecretsManagerKeyStore } from "./secrets-manager-store";
import { ageKeyStore } from "./age-store";
import { type KeyStore, KeyStoreError, localKeyStore } from "./store";

export function openKeyStore(config: Config, explicitDir?: string): KeyStore {
  const spec = config.keyStore;
  if (spec.kind === "local") return localKeyStore(spec.dir, explicitDir, config.invocation);
  if (explicitDir !== undefined)
    throw new KeyStoreError([`--key-store names a local key store directory, but ${config.file} keeps keys in the ${spec.kind} store: remove --key-store`]);
  return openStore(spec, config.invocation);
}

/** The store a spec describes (for `keys migrate --to`, and the configured one); `invocation` as in Config. */
export function openStore(spec: KeyStoreSpec, invocation?: readonly string[]): KeyStore {
  if (spec.kind === "local") return localKeyStore(spec.dir, undefined, invocation);
  if (spec.kind === "awsSecretsManager") return new SecretsManagerKeyStore(spec);
  return ageKeyStore(spec, process.env, invocation);
}
