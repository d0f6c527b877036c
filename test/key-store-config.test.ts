/** domains.yaml `keyStore`: which store holds the private keys, checked with positions. */
import { join } from "node:path";
import { parseConfig } from "../src/config/load";
import { InputError, type Problem } from "../src/config/problems";
import { dkimctl, tempProject } from "./support/project";

const BASE = `version: 1
zones:
  example.com: { provider: route53 }
domains:
  example.com: { selectors: { s1: { key: ed25519 } } }
`;
const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

function problems(keyStore: string): Problem[] {
  try {
    parseConfig("/p/domains.yaml", `${BASE}keyStore: ${keyStore}\n`);
  } catch (e) {
    if (e instanceof InputError) return [...e.problems];
    throw e;
  }
  return [];
}

test("absent: the local store beside the config; local.dir resolves beside it", () => {
  expect(parseConfig("/p/domains.yaml", BASE).keyStore).toEqual({ kind: "local", dir: "/p/.dkim/keys", configured: false });
  expect(parseConfig("/p/domains.yaml", `${BASE}keyStore: { local: { dir: keys } }\n`).keyStore).toEqual({ kind: "local", dir: "/p/keys", configured: true });
});

test("age and awsSecretsManager are read with their defaults", () => {
  expect(parseConfig("/p/domains.yaml", `${BASE}keyStore: { age: { dir: dkim-keys, recipients: [${RECIPIENT}] } }\n`).keyStore).toEqual({
    kind: "age",
    dir: "/p/dkim-keys",
    recipients: [RECIPIENT],
  });
  expect(
    parseConfig("/p/domains.yaml", `${BASE}keyStore: { awsSecretsManager: { region: eu-west-1, kmsKeyId: alias/dkim, tags: { team: mail } } }\n`).keyStore,
  ).toEqual({
    kind: "awsSecretsManager",
    region: "eu-west-1",
    prefix: "dkim/",
    kmsKeyId: "alias/dkim",
    tags: { team: "mail" },
  });
});

test("every mistake is reported with its position", () => {
  expect(problems(`{ local: {}, age: { dir: k, recipients: [${RECIPIENT}] } }`).map((p) => p.message)).toEqual(["choose one key store, not local and age"]);
  expect(problems("{}").map((p) => p.message)).toEqual(["keyStore is empty: give one of local, age, awsSecretsManager, or remove it for the local store"]);
  const age = problems(
    `{ age: { dir: /abs, recipients: [nope, AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ, ${RECIPIENT}, ${RECIPIENT}] } }`,
  );
  expect(age.map((p) => [p.line, p.path, p.message.split(":")[0]])).toEqual([
    [6, "keyStore/age/dir", "the age store's dir is committed with domains.yaml"],
    [6, "keyStore/age/recipients", `the recipient '${RECIPIENT.slice(0, 24)}…' is listed twice`],
    [6, "keyStore/age/recipients/0", "'nope' is not an age recipient"],
    [6, "keyStore/age/recipients/1", "this is an age identity (a secret key)"],
  ]);
  expect(age.map((p) => p.message).join("\n")).not.toContain("QQQQQQQQQQQQQQQQQQQQQQQQQQQ");
  expect(problems("{ age: { dir: k, recipients: [] } }").map((p) => p.path)).toEqual(["keyStore/age/recipients"]);
  expect(problems("{ awsSecretsManager: { region: Europe, prefix: 'a b' } }").map((p) => p.message)).toEqual([
    "'Europe' is not an AWS region (e.g. eu-west-1)",
    "'a b' cannot start a Secrets Manager secret name: use letters, digits and /_+=.@-",
  ]);
  expect(problems("{ vault: {} }").map((p) => p.message)).toEqual([
    "keyStore is empty: give one of local, age, awsSecretsManager, or remove it for the local store",
    "unknown field 'vault': known fields here: local, age, awsSecretsManager",
  ]);
});

test("keys writes into keyStore.local.dir; --key-store still overrides it", async () => {
  const p = tempProject(`${BASE}keyStore: { local: { dir: private/keys } }\n`);
  const r = await dkimctl("keys", "--config", p.config);
  expect(r.code).toBe(0);
  expect(r.out).toContain(`the private keys are in ${join(p.dir, "private", "keys")}`);
});
