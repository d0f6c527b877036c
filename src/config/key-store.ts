/**
 * domains.yaml `keyStore`: which store holds the private keys. Checks what
 * the shape check cannot (one kind, recipients that are recipients, a region
 * that is a region) and resolves directories beside the config.
 */
import { randomBytes } from "node:crypto";
import { dirname, isAbsolute, resolve } from "node:path";
import { excerpt } from "../redact";
import { KEY_STORE_KINDS, type KeyStoreSpec } from "./model";
import { isMapping, type PathKey } from "./yaml-source";

type Report = (path: PathKey[], message: string) => void;
type Obj = Record<string, unknown>;
const isObj = isMapping;

export const DEFAULT_LOCAL_DIR = ".dkim/keys";
export const DEFAULT_SECRET_PREFIX = "dkim/";

/** An age X25519 recipient (Bech32, 'age1' and 58 characters), or a post-quantum or tag recipient (age1pq1..., age1tag1...). */
export const AGE_RECIPIENT = /^age1([02-9ac-hj-np-z]{58}|(pq|tag)1[02-9ac-hj-np-z]+)$/;
const SSH_RECIPIENT = /^ssh-(ed25519|rsa) /;
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

export function keyStoreSpec(raw: unknown, configFile: string, at: Report): KeyStoreSpec {
  const base = dirname(configFile);
  const dirOf = (d: unknown) => resolve(base, typeof d === "string" ? d : DEFAULT_LOCAL_DIR);
  const fallback: KeyStoreSpec = { kind: "local", dir: dirOf(undefined), configured: false };
  if (!isObj(raw)) return fallback;
  const kinds = KEY_STORE_KINDS.filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1) {
    at(
      ["keyStore"],
      kinds.length
        ? `choose one key store, not ${kinds.join(" and ")}`
        : `keyStore is empty: give one of ${KEY_STORE_KINDS.join(", ")}, or remove it for the local store`,
    );
    return fallback;
  }
  const [kind] = kinds;
  const spec = isObj(raw[kind]) ? (raw[kind] as Obj) : {};
  const path = (field: string): PathKey[] => ["keyStore", kind, field];
  if (kind === "local") return { kind, dir: dirOf(spec.dir), configured: true };
  if (kind === "age") {
    if (typeof spec.dir === "string" && isAbsolute(spec.dir))
      at(path("dir"), "the age store's dir is committed with domains.yaml: give a directory relative to it");
    const recipients = Array.isArray(spec.recipients) ? spec.recipients.filter((r): r is string => typeof r === "string").map((r) => r.trim()) : [];
    recipients.forEach((r, i) => {
      if (r.startsWith("AGE-SECRET-KEY-"))
        at(
          [...path("recipients"), i],
          "this is an age identity (a secret key): never put it in domains.yaml; " +
            "give its recipient ('age-keygen -y KEYFILE' prints it) and treat the identity as compromised",
        );
      else if (SSH_RECIPIENT.test(r))
        at(
          [...path("recipients"), i],
          "SSH keys are not supported as recipients (age-encryption encrypts to age1... recipients only): give the teammate's 'age-keygen -y' recipient",
        );
      else if (!AGE_RECIPIENT.test(r))
        at([...path("recipients"), i], `'${excerpt(r)}' is not an age recipient: give an 'age1...' recipient (age-keygen -y prints it)`);
    });
    const dupes = recipients.filter((r, i) => recipients.indexOf(r) !== i);
    for (const d of new Set(dupes)) at(path("recipients"), `the recipient '${excerpt(d)}' is listed twice`);
    return { kind, dir: dirOf(spec.dir), recipients };
  }
  if (typeof spec.region === "string" && !AWS_REGION.test(spec.region)) at(path("region"), `'${excerpt(spec.region)}' is not an AWS region (e.g. eu-west-1)`);
  const prefix = typeof spec.prefix === "string" ? spec.prefix : DEFAULT_SECRET_PREFIX;
  const prefixWhy = secretPrefixProblem(prefix);
  if (prefixWhy) at(path("prefix"), prefixWhy);
  const project = typeof spec.project === "string" ? spec.project : "";
  if (spec.project === undefined)
    at(
      ["keyStore", kind],
      "the Secrets Manager store needs 'project': the id that marks this project's secrets, so that projects sharing a prefix " +
        `never read or delete each other's keys; add 'project: ${newProjectId()}' (a new random id) and commit it`,
    );
  else if (!PROJECT_ID.test(project))
    at(path("project"), `'${excerpt(project)}' is not a project id: use 8 to 64 letters, digits, '.', '_' or '-', e.g. ${newProjectId()}`);
  return {
    kind,
    region: String(spec.region),
    project,
    prefix,
    ...(typeof spec.kmsKeyId === "string" ? { kmsKeyId: spec.kmsKeyId } : {}),
    tags: isObj(spec.tags) ? (Object.fromEntries(Object.entries(spec.tags).filter(([, v]) => typeof v === "string")) as Record<string, string>) : {},
  };
}

/** A project id: what the dkimctl:project tag holds (AWS tag values allow these characters). */
export const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$/;

/** A fresh random project id, as suggested in messages and written by init. */
export const newProjectId = (): string => randomBytes(8).toString("hex");

/**
 * Why `prefix` cannot start this store's secret names, or undefined: it must
 * be path segments, each ending in '/', of the characters AWS allows in a
 * name, never '.' or '..', so that `<prefix><domain>/<selector>` names one
 * key and no other secret.
 */
export function secretPrefixProblem(prefix: string): string | undefined {
  const segments = prefix.split("/");
  const last = segments.pop();
  const ok = prefix !== "" && last === "" && segments.every((s) => /^[A-Za-z0-9_+=.@-]+$/.test(s) && s !== "." && s !== "..");
  if (ok) return undefined;
  const fixed = segments.filter((s) => s !== "" && s !== "." && s !== "..").map((s) => s.replace(/[^A-Za-z0-9_+=.@-]/g, "-"));
  if (last) fixed.push(last.replace(/[^A-Za-z0-9_+=.@-]/g, "-"));
  const suggestion = fixed.length ? `${fixed.join("/")}/` : DEFAULT_SECRET_PREFIX;
  return (
    `'${excerpt(prefix)}' is not a prefix of path segments: it must end in '/' and each segment hold letters, digits or _+=.@- ` +
    `(never empty, '.' or '..'), so that it names this store's secrets and no others; write '${suggestion}'`
  );
}
