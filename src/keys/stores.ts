/**
 * The key store domains.yaml chooses (`keyStore`), opened for a command.
 * `--key-store` / `$DKIMCTL_KEY_STORE` pick the local store's directory.
 */
import type { Config } from "../config/model";
import { KeyStore, KeyStoreError, localKeyStore } from "./store";

export function openKeyStore(config: Config, explicitDir?: string): KeyStore {
  const spec = config.keyStore;
  if (spec.kind === "local") return localKeyStore(spec.dir, explicitDir);
  if (explicitDir !== undefined) throw new KeyStoreError([`--key-store names a local key store directory, but ${config.file} keeps keys in the ${spec.kind} store: remove --key-store`]);
  throw new KeyStoreError([`the ${spec.kind} key store is not available in this version of dkimctl`]);
}
