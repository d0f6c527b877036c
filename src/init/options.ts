/**
 * What `dkimctl init` is asked for: the zone, its provider and the key store,
 * checked together so that every mistake is reported at once.
 */
import { AGE_RECIPIENT, AWS_REGION } from "../config/key-store";
import { didYouMean } from "../config/problems";
import { KEY_STORE_KINDS } from "../config/model";
import { DEFAULT_PROVIDER, PROVIDER_NAMES, type ProviderName } from "../providers";
import { checkHostName } from "../dns/host-name";
import { excerpt } from "../redact";
import { CLI_CHOICES, type CliChoice, cliProblem, currentNode, type NodeRuntime } from "./cli-choice";

export type KeyStoreKind = (typeof KEY_STORE_KINDS)[number];

/** The project init writes, as checked options. */
export interface InitOptions {
  /** The zone (and the sender domain of the example selector), in its published form. */
  readonly zone: string;
  readonly provider: ProviderName;
  readonly keyStore: KeyStoreKind;
  /** age: the recipients keys are encrypted to (at least one). */
  readonly ageRecipients: readonly string[];
  /** awsSecretsManager: the region of the secrets. */
  readonly region?: string;
  /** What npm run synth | plan | deploy run (src/init/cli-choice.ts). */
  readonly cli: CliChoice;
  /** Signing-provider mode: the zone of ours that holds customers' keys. */
  readonly keyZone?: string;
}

/** The options as given on the command line (undefined: not given). */
export interface RawInitOptions {
  readonly zone?: string;
  readonly provider?: string;
  readonly keyStore?: string;
  readonly ageRecipients?: readonly string[];
  readonly region?: string;
  readonly cli?: string;
  readonly keyZone?: string;
}

export const DEFAULT_ZONE = "example.com";

/** The checked options, or every reason they cannot be used (each naming its option); `node` is the Node the CLI choice must run on. */
export function checkInitOptions(
  raw: RawInitOptions,
  node: NodeRuntime = currentNode(),
): { ok: true; options: InitOptions } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const provider = oneOf("provider", raw.provider, PROVIDER_NAMES, DEFAULT_PROVIDER, problems);
  const keyStore = oneOf("key-store", raw.keyStore, KEY_STORE_KINDS, "local", problems);
  const cli = oneOf("cli", raw.cli, CLI_CHOICES, "dkimctl", problems);
  const cliRefused = cliProblem(cli, node);
  if (cliRefused) problems.push(cliRefused);

  let zone = DEFAULT_ZONE;
  if (raw.zone !== undefined) {
    const checked = checkHostName(raw.zone, "publish");
    if (checked.ok && checked.value.includes(".")) zone = checked.value;
    else
      problems.push(
        `--zone '${excerpt(raw.zone)}' ${checked.ok ? "is a top-level domain: give the zone your records go into, e.g. example.com" : checked.reason}`,
      );
  }

  const recipients = (raw.ageRecipients ?? []).map((r) => r.trim());
  if (keyStore === "age" && recipients.length === 0)
    problems.push("--age-recipient is required with --key-store age: give your age1... recipient ('age-keygen -y KEYFILE' prints it)");
  if (recipients.length && keyStore !== "age") problems.push("--age-recipient is for --key-store age only");
  for (const r of recipients) {
    if (r.startsWith("AGE-SECRET-KEY-"))
      problems.push("--age-recipient: this is an age identity (a secret key), not a recipient: give 'age-keygen -y KEYFILE''s output, and treat it as exposed");
    else if (!AGE_RECIPIENT.test(r))
      problems.push(`--age-recipient '${excerpt(r)}' is not an age recipient: give an 'age1...' recipient (age-keygen -y prints it)`);
  }

  if (keyStore === "awsSecretsManager" && raw.region === undefined)
    problems.push("--region is required with --key-store awsSecretsManager: the AWS region of the secrets, e.g. eu-west-1");
  if (raw.region !== undefined && keyStore !== "awsSecretsManager") problems.push("--region is for --key-store awsSecretsManager only");
  else if (raw.region !== undefined && !AWS_REGION.test(raw.region)) problems.push(`--region '${excerpt(raw.region)}' is not an AWS region (e.g. eu-west-1)`);

  let keyZone: string | undefined;
  if (raw.keyZone !== undefined) {
    const checked = checkHostName(raw.keyZone, "publish");
    if (checked.ok && checked.value.includes(".") && checked.value !== zone) keyZone = checked.value;
    else
      problems.push(
        `--key-zone '${excerpt(raw.keyZone)}' ${
          !checked.ok
            ? checked.reason
            : checked.value === zone
              ? "is the --zone: give a zone of its own for customers' keys, e.g. dkim.example.com"
              : "is a top-level domain"
        }`,
      );
  }

  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    options: {
      zone,
      provider,
      keyStore,
      cli,
      ageRecipients: recipients,
      ...(raw.region !== undefined ? { region: raw.region } : {}),
      ...(keyZone ? { keyZone } : {}),
    },
  };
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T, problems: string[]): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  const guess = didYouMean(value, allowed);
  problems.push(`--${name} must be one of ${allowed.join(", ")}, not '${excerpt(value)}'${guess ? ` (did you mean '${guess}'?)` : ""}`);
  return fallback;
}
