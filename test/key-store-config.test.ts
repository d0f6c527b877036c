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
    parseConfig(
      "/p/domains.yaml",
      `${BASE}keyStore: { awsSecretsManager: { region: eu-west-1, project: 5c0e6f2a9b1d4e73, kmsKeyId: alias/dkim, tags: { team: mail } } }\n`,
    ).keyStore,
  ).toEqual({
    kind: "awsSecretsManager",
    region: "eu-west-1",
    project: "5c0e6f2a9b1d4e73",
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
  expect(problems("{ awsSecretsManager: { region: Europe, project: my-project-1, prefix: 'a b/' } }").map((p) => p.message)).toEqual([
    "'Europe' is not an AWS region (e.g. eu-west-1)",
    "'a b/' is not a prefix of path segments: it must end in '/' and each segment hold letters, digits or _+=.@- (never empty, '.' or '..'), " +
      "so that it names this store's secrets and no others; write 'a-b/'",
  ]);
  expect(problems("{ vault: {} }").map((p) => p.message)).toEqual([
    "keyStore is empty: give one of local, age, awsSecretsManager, or remove it for the local store",
    "unknown field 'vault': known fields here: local, age, awsSecretsManager",
  ]);
});

test("a Secrets Manager prefix is path segments, and the store needs the project's id: each refused at its place with what to write (#21)", () => {
  const at = (store: string) => problems(store).map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
  const prefixes: [string, string][] = [
    ['""', "dkim/"],
    ["dkim", "dkim/"],
    ["dkim/../", "dkim/"],
    ["/dkim/", "dkim/"],
    ["dkim//x/", "dkim/x/"],
    ["./", "dkim/"],
  ];
  for (const [prefix, fix] of prefixes)
    expect(at(`{ awsSecretsManager: { region: eu-west-1, project: my-project-1, prefix: ${prefix} } }`)).toEqual([
      expect.stringMatching(
        new RegExp(`^6:\\d+ keyStore/awsSecretsManager/prefix: '.*' is not a prefix of path segments: .*; write '${fix.replace(/\//g, "\\/")}'$`),
      ),
    ]);
  for (const ok of ["dkim/", "team-a/dkim/", "a.b@c/"])
    expect(at(`{ awsSecretsManager: { region: eu-west-1, project: my-project-1, prefix: ${ok} } }`)).toEqual([]);
  expect(at("{ awsSecretsManager: { region: eu-west-1 } }")).toEqual([
    expect.stringMatching(
      /^6:\d+ keyStore\/awsSecretsManager: the Secrets Manager store needs 'project': .* add 'project: [0-9a-f]{16}' \(a new random id\) and commit it$/,
    ),
  ]);
  expect(at("{ awsSecretsManager: { region: eu-west-1, project: 'a b' } }")).toEqual([
    expect.stringMatching(/^6:\d+ keyStore\/awsSecretsManager\/project: 'a b' is not a project id: use 8 to 64 letters/),
  ]);
});

test("keys writes into keyStore.local.dir; --key-store still overrides it", async () => {
  const p = tempProject(`${BASE}keyStore: { local: { dir: private/keys } }\n`);
  const r = await dkimctl("keys", "--config", p.config);
  expect(r.code).toBe(0);
  expect(r.out).toContain(`the private keys are in ${join(p.dir, "private", "keys")}`);
});
