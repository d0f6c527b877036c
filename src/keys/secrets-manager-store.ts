/**
 * The AWS Secrets Manager key store (domains.yaml `keyStore.awsSecretsManager`):
 * one secret per key, named `<prefix><domain>/<selector>`, holding the PKCS#8
 * PEM, tagged with its domain, selector, algorithm and fingerprint, and
 * encrypted with the given KMS key (else the account's default). Credentials
 * come from the standard AWS chain; the endpoint from the SDK's own
 * configuration (AWS_ENDPOINT_URL_SECRETS_MANAGER, `endpoint_url` in a
 * profile). CreateSecret refuses an existing name, so creation is create-only
 * across every machine that shares the store. Keys are never deleted here
 * except by `dkimctl keys prune`: a removed key's secret is tagged first.
 * Every secret carries the project's id (`dkimctl:project`): a secret that
 * lacks dkimctl's tags, or carries another project's id, is never read,
 * adopted, tagged or deleted, so projects can share a prefix.
 */
import type { DescribeSecretResponse, SecretListEntry, SecretsManagerClient, Tag } from "@aws-sdk/client-secrets-manager";
import type { KeyStoreSpec } from "../config/model";
import { fingerprint, importPrivateKey } from "../dkim/keys";
import { checkHostName } from "../dns/host-name";
import { selectorName } from "../dns/names";
import { capText } from "../redact";
import { isoSeconds } from "../time";
import type { Lock } from "./lock";
import { type KeyStore, KeyStoreError, type RemovalMarks, StoreUnreachable, type StoredKey } from "./store";

type Spec = Extract<KeyStoreSpec, { kind: "awsSecretsManager" }>;
type Sdk = typeof import("@aws-sdk/client-secrets-manager");

/**
 * Tags dkimctl writes on each secret; `project` marks whose key it is (the
 * config's keyStore.awsSecretsManager.project); `removed` marks a key that
 * `keys prune` may delete.
 */
export const SECRET_TAGS = {
  project: "dkimctl:project",
  domain: "dkimctl:domain",
  selector: "dkimctl:selector",
  algorithm: "dkimctl:algorithm",
  fingerprint: "dkimctl:fingerprint",
  removed: "dkimctl:removed",
} as const;

/** Attempts per request (the SDK's standard retry: throttling, 5xx and dropped connections, with backoff). */
export const MAX_ATTEMPTS = 5;

/** What ListSecrets / DescribeSecret say of a secret without reading it. */
interface Described {
  readonly tags: ReadonlyMap<string, string>;
  /** How many versions it has: dkimctl writes one, and never another. */
  readonly versions: number;
}

/**
 * Whose key a secret is, from its tags: this project's (its project tag), another
 * project's, or dkimctl's without a project tag (written before projects were
 * marked: this project's once its lock proves it, see `reconcile`).
 */
export type Owner = "ours" | "other" | "unclaimed";

export class SecretsManagerKeyStore implements KeyStore, RemovalMarks {
  private client?: Promise<{ sdk: Sdk; client: SecretsManagerClient }>;
  /** Keys read or written by this run: a secret dkimctl wrote never changes, so each is fetched once. */
  private readonly values = new Map<string, string>();
  /** The secrets of the last listing, by name. */
  private listed = new Map<string, Described>();

  constructor(readonly spec: Spec) {}

  get description(): string {
    return `AWS Secrets Manager (${this.spec.region}, secrets ${this.spec.prefix}<domain>/<selector> of project ${this.spec.project})`;
  }

  /** Reading needs AWS credentials and the network: a command finds out by asking (see `validate`). */
  canReadKeys(): boolean {
    return true;
  }

  /** Nothing to check locally: access is AWS's (IAM), and a secret is created whole or not at all. */
  async check(): Promise<string[]> {
    return [];
  }

  async open(): Promise<void> {}

  secretName(domain: string, selector: string): string {
    return `${this.spec.prefix}${domain}/${selector}`;
  }

  async get(domain: string, selector: string): Promise<string | undefined> {
    const name = this.secretName(domain, selector);
    const known = this.values.get(name);
    if (known !== undefined) return known;
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: name }));
      // A name ending in -XXXXXX can also match a partial ARN: only the exact secret is this key.
      if (out.Name !== undefined && out.Name !== name) return undefined;
      if (out.SecretString === undefined)
        throw new KeyStoreError([`the secret ${name} holds no text: it is not a key dkimctl stored; move it out of the prefix ${this.spec.prefix}`]);
      await this.assertOurs(name);
      this.values.set(name, out.SecretString);
      return out.SecretString;
    } catch (e) {
      if (e instanceof KeyStoreError) throw e;
      // A secret scheduled for deletion holds no usable key; create() explains why its name stays taken.
      if (errorName(e) === "ResourceNotFoundException" || isScheduledForDeletion(e)) return undefined;
      throw this.failure(e, `reading the secret ${name}`, "secretsmanager:GetSecretValue (and kms:Decrypt on its KMS key)");
    }
  }

  /** Whose key the secret of this name is, from its tags; undefined when it is not a key dkimctl stored. */
  private ownerOf(name: string, seen: Described): Owner | undefined {
    const key = this.keyOf(name);
    if (!key || seen.tags.get(SECRET_TAGS.domain) !== key.domain || seen.tags.get(SECRET_TAGS.selector) !== key.selector) return undefined;
    const project = seen.tags.get(SECRET_TAGS.project);
    return project === undefined ? "unclaimed" : project === this.spec.project ? "ours" : "other";
  }

  /** Throws unless the secret is a key dkimctl stored for this project (or before projects were marked). */
  private async assertOurs(name: string): Promise<Described> {
    const seen = this.listed.get(name) ?? (await this.describe(name));
    const owner = seen && this.ownerOf(name, seen);
    if (owner === "other")
      throw new KeyStoreError([
        `the secret ${name} belongs to another dkimctl project (${SECRET_TAGS.project} ${seen!.tags.get(SECRET_TAGS.project)}, this project is ` +
          `${this.spec.project}): two projects use the prefix ${this.spec.prefix} for the same domain and selector; dkimctl never reads, adopts or ` +
          "deletes another project's key: give this project a prefix of its own (keyStore.awsSecretsManager.prefix) or another selector",
      ]);
    if (!owner)
      throw new KeyStoreError([
        `the secret ${name} is not a key dkimctl stored (it lacks the ${SECRET_TAGS.domain} and ${SECRET_TAGS.selector} tags of its name): ` +
          `dkimctl never uses nor deletes it; move it out of the prefix ${this.spec.prefix}, or give this selector another name`,
      ]);
    return seen!;
  }

  async create(domain: string, selector: string, privateKeyPem: string): Promise<boolean> {
    const name = this.secretName(domain, selector);
    const pair = importPrivateKey(privateKeyPem);
    const ours: Record<string, string> = {
      [SECRET_TAGS.project]: this.spec.project,
      [SECRET_TAGS.domain]: domain,
      [SECRET_TAGS.selector]: selector,
      [SECRET_TAGS.algorithm]: pair.algorithm,
      [SECRET_TAGS.fingerprint]: fingerprint(pair.publicKey),
    };
    const tags: Tag[] = Object.entries({ ...this.spec.tags, ...ours }).map(([Key, Value]) => ({ Key, Value }));
    const { sdk, client } = await this.connect();
    try {
      await client.send(
        new sdk.CreateSecretCommand({
          Name: name,
          Description: `DKIM private key of ${selectorName(selector, domain)} (dkimctl; never reused for another selector)`,
          SecretString: pair.privateKeyPem,
          ...(this.spec.kmsKeyId !== undefined ? { KmsKeyId: this.spec.kmsKeyId } : {}),
          Tags: tags,
        }),
      );
      this.values.set(name, pair.privateKeyPem);
      this.listed.set(name, { tags: new Map(Object.entries(ours)), versions: 1 });
      return true;
    } catch (e) {
      if (isScheduledForDeletion(e) || (errorName(e) === "ResourceExistsException" && (await this.isDeleted(name))))
        throw new KeyStoreError([scheduledForDeletion(name)]);
      if (errorName(e) === "ResourceExistsException") return false;
      const kms = this.spec.kmsKeyId !== undefined ? ` and kms:GenerateDataKey on ${this.spec.kmsKeyId}` : "";
      throw this.failure(e, `creating the secret ${name}`, `secretsmanager:CreateSecret and secretsmanager:TagResource${kms}`);
    }
  }

  /** This project's keys (and dkimctl's keys without a project tag); another project's keys and secrets dkimctl did not store are not listed. */
  async list(): Promise<{ domain: string; selector: string }[]> {
    return (await this.inventory()).filter((k) => k.owner !== "other").map(({ domain, selector }) => ({ domain, selector }));
  }

  /**
   * Every key dkimctl stored under the prefix (its tags name the domain and
   * selector of its name), with whose it is, its tags' fingerprint and removal
   * mark; from ListSecrets (no secret is read). Other secrets under the prefix
   * are left out: they are never a key, nor a stray.
   */
  async inventory(): Promise<(StoredKey & { owner: Owner })[]> {
    const listed = new Map<string, Described>();
    const out: (StoredKey & { owner: Owner })[] = [];
    for (const entry of await this.listSecrets()) {
      const key = this.keyOf(entry.Name ?? "");
      const seen = described(entry.Tags, entry.SecretVersionsToStages);
      const owner = key && this.ownerOf(entry.Name!, seen);
      if (!key || !owner) continue;
      listed.set(entry.Name!, seen);
      const removed = seen.tags.get(SECRET_TAGS.removed);
      const fp = seen.tags.get(SECRET_TAGS.fingerprint);
      out.push({
        ...key,
        owner,
        ...(fp ? { fingerprint: fp } : {}),
        ...(removed && !Number.isNaN(Date.parse(removed)) ? { removed: new Date(removed) } : {}),
      });
    }
    this.listed = listed;
    return out.sort((a, b) => a.domain.localeCompare(b.domain) || a.selector.localeCompare(b.selector));
  }

  /**
   * Brings the marks in line with the lock, which proves what is this
   * project's: a key without a project tag whose fingerprint the lock holds
   * for its selector is tagged as this project's; a key the lock still uses
   * loses a `removed` mark (a prune of another clone, or of a branch whose
   * lock did not list it, tagged it). Returns a line for each change.
   */
  async reconcile(lock: Lock, beforeWrite?: () => void): Promise<string[]> {
    const notes: string[] = [];
    for (const k of this.listed.size ? this.cachedInventory() : await this.inventory()) {
      const entry = lock.storeKey(k.domain, k.selector);
      if (!entry || k.owner === "other") continue;
      const name = this.secretName(k.domain, k.selector);
      if (k.owner === "unclaimed" && k.fingerprint === entry.fingerprint) {
        beforeWrite?.();
        await this.tag(name, { [SECRET_TAGS.project]: this.spec.project }, "marking the secret as this project's");
        notes.push(`${name}: marked as project ${this.spec.project}'s (the lock holds its key)`);
      }
      if (k.removed && entry.state !== "removed" && k.owner === "ours") {
        beforeWrite?.();
        await this.unmarkRemoved(k.domain, k.selector);
        notes.push(`${name}: was marked removed by a prune, but ${entry.state ?? "the lock"} still uses it: mark taken off`);
      }
    }
    return notes;
  }

  /** The last listing as inventory entries (no call). */
  private cachedInventory(): (StoredKey & { owner: Owner })[] {
    const out: (StoredKey & { owner: Owner })[] = [];
    for (const [name, seen] of this.listed) {
      const key = this.keyOf(name);
      const owner = key && this.ownerOf(name, seen);
      if (!key || !owner) continue;
      const removed = seen.tags.get(SECRET_TAGS.removed);
      const fp = seen.tags.get(SECRET_TAGS.fingerprint);
      out.push({ ...key, owner, ...(fp ? { fingerprint: fp } : {}), ...(removed ? { removed: new Date(removed) } : {}) });
    }
    return out;
  }

  /** What to do about a key the lock has and this store lacks (or holds as another project's). */
  async missingKeyHint(domain: string, selector: string): Promise<string> {
    const name = this.secretName(domain, selector);
    const seen = this.listed.get(name);
    if (seen && this.ownerOf(name, seen) === "other")
      return `the secret ${name} belongs to another dkimctl project (${seen.tags.get(SECRET_TAGS.project)}): give this project a prefix of its own`;
    const d = await this.describeSecret(name);
    if (d?.DeletedDate)
      return (
        `the secret ${name} is scheduled for deletion: ` +
        `restore it with 'aws secretsmanager restore-secret --region ${this.spec.region} --secret-id ${name}'`
      );
    return (
      `there is no secret ${name} in ${this.spec.region}: if the keys are in another region or account, ` +
      "fix keyStore.awsSecretsManager.region or the AWS credentials in use; a key deleted for good never comes back: publish a new selector"
    );
  }

  /**
   * The key's fingerprint, from the tag written with it while the secret has
   * the one version dkimctl wrote; from the key itself once a value was put
   * by hand (a second version) or the tag is missing. Undefined when there is
   * no such key.
   */
  async fingerprint(domain: string, selector: string): Promise<string | undefined> {
    const name = this.secretName(domain, selector);
    if (!this.listed.has(name) && !(await this.describe(name))) return undefined;
    const seen = await this.assertOurs(name);
    const tagged = seen.tags.get(SECRET_TAGS.fingerprint);
    if (seen.versions === 1 && tagged) return tagged;
    const pem = await this.get(domain, selector);
    if (pem === undefined) return undefined;
    try {
      return fingerprint(importPrivateKey(pem).publicKey);
    } catch {
      const versions = `aws secretsmanager list-secret-version-ids --secret-id ${name}`;
      throw new KeyStoreError([`the secret ${name} does not hold a readable private key: restore the version dkimctl wrote ('${versions}')`]);
    }
  }

  async markRemoved(domain: string, selector: string, at: Date): Promise<boolean> {
    const name = this.secretName(domain, selector);
    const seen = this.listed.get(name) ?? (await this.describe(name));
    // Only this project's own key is ever marked: the mark leads to its deletion.
    if (!seen || this.ownerOf(name, seen) !== "ours") return false;
    return this.tag(name, { [SECRET_TAGS.removed]: isoSeconds(at) }, "tagging the secret as removed");
  }

  private async tag(name: string, tags: Record<string, string>, what: string): Promise<boolean> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.TagResourceCommand({ SecretId: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
      return true;
    } catch (e) {
      if (errorName(e) === "ResourceNotFoundException") return false;
      throw this.failure(e, `${what} ${name}`, "secretsmanager:TagResource");
    }
  }

  async unmarkRemoved(domain: string, selector: string): Promise<boolean> {
    const name = this.secretName(domain, selector);
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.UntagResourceCommand({ SecretId: name, TagKeys: [SECRET_TAGS.removed] }));
      return true;
    } catch (e) {
      if (errorName(e) === "ResourceNotFoundException") return false;
      throw this.failure(e, `removing the removed tag of the secret ${name}`, "secretsmanager:UntagResource");
    }
  }

  async deleteRemoved(domain: string, selector: string, recoveryWindowDays: number): Promise<string> {
    const name = this.secretName(domain, selector);
    // Proof of ownership at the moment of deletion, not from an earlier listing: this project's mark and the removed mark.
    const now = await this.describe(name);
    if (!now || this.ownerOf(name, now) !== "ours" || !now.tags.has(SECRET_TAGS.removed))
      throw new KeyStoreError([`the secret ${name} is no longer this project's key marked removed: not deleted; run prune again`]);
    const { sdk, client } = await this.connect();
    try {
      const out = await client.send(new sdk.DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: recoveryWindowDays }));
      const until = out.DeletionDate ? ` until ${isoSeconds(out.DeletionDate)}` : "";
      return `recoverable${until} with 'aws secretsmanager restore-secret --region ${this.spec.region} --secret-id ${name}'`;
    } catch (e) {
      throw this.failure(e, `deleting the secret ${name}`, "secretsmanager:DeleteSecret");
    }
  }

  /** Whether the secret is scheduled for deletion (its name stays taken until the deletion is final). */
  private async isDeleted(name: string): Promise<boolean> {
    return (await this.describeSecret(name))?.DeletedDate !== undefined;
  }

  /** Tags and versions of a secret that exists and is not scheduled for deletion. */
  private async describe(name: string): Promise<Described | undefined> {
    const out = await this.describeSecret(name);
    return out && out.DeletedDate === undefined ? described(out.Tags, out.VersionIdsToStages) : undefined;
  }

  private async describeSecret(name: string): Promise<DescribeSecretResponse | undefined> {
    const { sdk, client } = await this.connect();
    try {
      return await client.send(new sdk.DescribeSecretCommand({ SecretId: name }));
    } catch (e) {
      if (errorName(e) === "ResourceNotFoundException") return undefined;
      throw this.failure(e, `describing the secret ${name}`, "secretsmanager:DescribeSecret");
    }
  }

  private async listSecrets(): Promise<SecretListEntry[]> {
    const { sdk, client } = await this.connect();
    const prefix = this.spec.prefix;
    const out: SecretListEntry[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(new sdk.ListSecretsCommand({ MaxResults: 100, NextToken: token, Filters: [{ Key: "name", Values: [prefix] }] }));
        out.push(...(page.SecretList ?? []));
        token = page.NextToken;
      } while (token);
    } catch (e) {
      throw this.failure(e, `listing the secrets named ${prefix}*`, "secretsmanager:ListSecrets");
    }
    return out;
  }

  /** The key a secret name stands for, if it is `<prefix><domain>/<selector>` with both in their published form. */
  private keyOf(name: string): { domain: string; selector: string } | undefined {
    // The name filter matches case-insensitively; the prefix is exact.
    if (!name.startsWith(this.spec.prefix)) return undefined;
    const parts = name.slice(this.spec.prefix.length).split("/");
    if (parts.length !== 2) return undefined;
    const [domain, selector] = parts;
    const d = checkHostName(domain, "publish");
    const s = checkHostName(selector, "selector");
    return d.ok && d.value === domain && s.ok && s.value === selector ? { domain, selector } : undefined;
  }

  private connect(): Promise<{ sdk: Sdk; client: SecretsManagerClient }> {
    // Loaded on first use: commands that never touch this store do not pay for the SDK.
    this.client ??= import("@aws-sdk/client-secrets-manager").then((sdk) => {
      // The SDK warns on stderr about its future Node support; dkimctl's own engines field says what it runs on.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
      const attempts = process.env.AWS_MAX_ATTEMPTS === undefined ? { maxAttempts: MAX_ATTEMPTS } : {};
      const client = new sdk.SecretsManagerClient({
        region: this.spec.region,
        ...attempts,
        requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
      });
      return { sdk, client };
    });
    return this.client;
  }

  /** One line that says what failed and what to do; AWS's own message is capped (it may quote input). */
  private failure(e: unknown, what: string, permission: string): KeyStoreError {
    const failed = this.failureOf(e, what, permission);
    // Whether AWS answered about this secret (keep it a KeyStoreError), or the store could not be used at all.
    return failed.unreachable ? new StoreUnreachable([failed.reason]) : new KeyStoreError([failed.reason]);
  }

  private failureOf(e: unknown, what: string, permission: string): { reason: string; unreachable: boolean } {
    const name = errorName(e);
    const { httpStatusCode: status, attempts } = (e as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata ?? {};
    const message = capText(errorMessage(e));
    const code = (e as { code?: string }).code ?? NETWORK_ERROR.exec(message)?.[1];
    const { region, kmsKeyId } = this.spec;
    const why = (text: string, unreachable = true) => ({ reason: `${what}: ${text}`, unreachable });
    if (name === "CredentialsProviderError" || /could not load credentials/i.test(message))
      return why(`no AWS credentials found (${message}): give them the standard way (${CREDENTIAL_SOURCES})`);
    if (EXPIRED.includes(name)) return why("the AWS credentials have expired: refresh them (aws sso login, or a new role session) and run again");
    if (REFUSED.includes(name)) return why(`AWS refused (${name}: ${message}): the identity in use needs ${permission} in ${region}`);
    if (name === "DecryptionFailure" || name === "EncryptionFailure" || /^KMS/.test(name)) {
      const key = kmsKeyId ? `the KMS key ${kmsKeyId}` : "the account's aws/secretsmanager key";
      return why(`KMS failed (${name}: ${message}): check that ${key} exists in ${region}, is enabled, and allows the identity in use`);
    }
    if (name === "ThrottlingException" || (status !== undefined && status >= 500))
      return why(
        `AWS Secrets Manager failed ${attempts ?? MAX_ATTEMPTS} times in a row (${name || `HTTP ${status}`}): ` +
          "nothing more was written; run the command again later",
      );
    if ((code && NETWORK_ERROR.test(code)) || name === "TimeoutError")
      return why(`cannot reach AWS Secrets Manager in ${region} (${code ?? name}): check the network, the region and AWS_ENDPOINT_URL_SECRETS_MANAGER if set`);
    return why(`${name || "error"}: ${message}`, false);
  }
}

const CREDENTIAL_SOURCES = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, a web identity / OIDC role in CI, or an instance role";
const EXPIRED = ["ExpiredTokenException", "ExpiredToken", "TokenRefreshRequired"];
const REFUSED = ["AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException", "InvalidClientTokenId"];

const described = (tags: Tag[] | undefined, versions: Record<string, string[]> | undefined): Described => ({
  tags: new Map((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
  versions: Object.keys(versions ?? {}).length,
});

// Errors are read by shape: Node's own (a dropped connection) need not be instances of this realm's Error.
const errorName = (e: unknown): string => (typeof (e as { name?: unknown })?.name === "string" ? (e as { name: string }).name : "");
const errorMessage = (e: unknown): string => (typeof (e as { message?: unknown })?.message === "string" ? (e as { message: string }).message : String(e));
const NETWORK_ERROR = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)\b/;

/** AWS: InvalidRequestException, "...scheduled for deletion" / "...marked deleted". */
const isScheduledForDeletion = (e: unknown): boolean => errorName(e) === "InvalidRequestException" && /delet/i.test(errorMessage(e));

const scheduledForDeletion = (name: string) =>
  `the secret ${name} is scheduled for deletion (dkimctl keys prune, or by hand): a selector never gets a second key; ` +
  `if the selector is still in use, restore it with 'aws secretsmanager restore-secret --secret-id ${name}', else give domains.yaml a new selector`;
