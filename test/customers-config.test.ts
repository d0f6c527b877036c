/**
 * Signing-provider mode in domains.yaml: customers listed inline or in a list
 * file (text or YAML), their slots and delegation, and every refusal with
 * its file:line:col, all at once, with nothing written.
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { customerSlots } from "../src/config/customer-slots";
import { targetCollisions } from "../src/config/customers";
import { loadConfig } from "../src/config/load";
import type { Customer } from "../src/config/model";
import { formatProblem, InputError } from "../src/config/problems";
import { dkimctl, tempProject } from "./support/project";
import { findSecrets } from "./support/secrets";

const HEAD = `version: 1
defaults: { key: ed25519, ttl: 1800 }
zones:
  dkim.esp.example: { provider: route53 }
  example.com: { provider: route53 }
`;

/** A project with domains.yaml `text` and the list files given. */
function project(text: string, files: Record<string, string> = {}) {
  const p = tempProject(text);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(p.dir, name), content);
  return p;
}

const DAY = 86_400_000;

/** Every problem of a config that is refused, formatted, with the project directory shown as `.`. */
function refused(text: string, files: Record<string, string> = {}): string[] {
  const p = project(text, files);
  try {
    loadConfig(p.config);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((x) => formatProblem(x).split(`${p.dir}/`).join(""));
    throw e;
  }
  throw new Error("expected the config to be refused");
}

describe("customers are read from domains.yaml and list files", () => {
  test("inline: names in their published form, slots, delegation, key and TTL from the defaults, each with its position", () => {
    const p = project(`${HEAD}domains:
  example.com:
    selectors: { s1: {} }
customers:
  dkim.esp.example:
    domains:
      Shop.Example.:
      bücher.example: { delegation: txt }
`);
    const config = loadConfig(p.config);
    expect(config.customers).toEqual([
      {
        name: "shop.example",
        keyZone: "dkim.esp.example",
        slots: ["esp1", "esp2"],
        delegation: "cname",
        algorithm: "ed25519",
        ttl: 1800,
        rotation: { every: 180 * DAY, publishAhead: 3 * DAY, retireAfter: 7 * DAY },
        position: { file: p.config, line: 12, col: 7 },
      },
      {
        name: "xn--bcher-kva.example",
        keyZone: "dkim.esp.example",
        slots: ["esp1", "esp2"],
        delegation: "txt",
        algorithm: "ed25519",
        ttl: 1800,
        rotation: { every: 180 * DAY, publishAhead: 3 * DAY, retireAfter: 7 * DAY },
        position: { file: p.config, line: 13, col: 7 },
      },
    ]);
  });

  test("a text list: one per line, # comments, blank lines, an optional cname or txt, CRLF line ends; positions in the list file", () => {
    const p = project(
      `${HEAD}customers:
  dkim.esp.example:
    slots: [m1, m2, m3]
    delegation: txt
    key: rsa-2048
    ttl: 600
    list: customers.txt
`,
      { "customers.txt": "# exported 2026-01-18\r\nshop.example\r\n\r\n  news.shop.example   cname  # moved to CNAME\r\nmail.example.org txt\r\n" },
    );
    const config = loadConfig(p.config);
    const list = join(p.dir, "customers.txt");
    expect(
      config.customers.map((c) => [c.name, c.delegation, c.slots.join(" "), c.algorithm, c.ttl, `${c.position.file}:${c.position.line}:${c.position.col}`]),
    ).toEqual([
      ["mail.example.org", "txt", "m1 m2 m3", "rsa-2048", 600, `${list}:5:1`],
      ["news.shop.example", "cname", "m1 m2 m3", "rsa-2048", 600, `${list}:4:3`],
      ["shop.example", "txt", "m1 m2 m3", "rsa-2048", 600, `${list}:2:1`],
    ]);
  });

  test.each([
    ["a YAML list", "- shop.example\n- bücher.example\n"],
    ["a YAML mapping", "shop.example:\nbücher.example: { delegation: txt }\n"],
  ])("%s (.yaml)", (_, text) => {
    const p = project(`${HEAD}customers:\n  dkim.esp.example:\n    list: customers.yaml\n`, { "customers.yaml": text });
    const config = loadConfig(p.config);
    expect(config.customers.map((c) => [c.name, c.position.line, c.position.col])).toEqual([
      ["shop.example", 1, text.startsWith("-") ? 3 : 1],
      ["xn--bcher-kva.example", 2, text.startsWith("-") ? 3 : 1],
    ]);
    expect(config.customers[1].delegation).toBe(text.includes("txt") ? "txt" : "cname");
    expect(config.domains).toEqual([]);
  });

  test("every slot of every customer, with the name the customer creates and its target", () => {
    const p = project(`${HEAD}customers:\n  dkim.esp.example:\n    domains:\n      shop.example:\n      mail.example.org: { delegation: txt }\n`);
    expect(customerSlots(loadConfig(p.config)).map(({ customer, slot, name, target, delegation }) => [customer.name, slot, name, target, delegation])).toEqual([
      ["mail.example.org", "esp1", "esp1._domainkey.mail.example.org", "esp1.mail.example.org.dkim.esp.example", "txt"],
      ["mail.example.org", "esp2", "esp2._domainkey.mail.example.org", "esp2.mail.example.org.dkim.esp.example", "txt"],
      ["shop.example", "esp1", "esp1._domainkey.shop.example", "esp1.shop.example.dkim.esp.example", "cname"],
      ["shop.example", "esp2", "esp2._domainkey.shop.example", "esp2.shop.example.dkim.esp.example", "cname"],
    ]);
  });

  test("a customer name that mixes scripts is a warning naming its place in the list file", () => {
    const p = project(`${HEAD}customers:\n  dkim.esp.example:\n    list: customers.txt\n`, { "customers.txt": "shop.example\npаypal.example\n" });
    const config = loadConfig(p.config);
    expect(config.warnings).toEqual([
      expect.stringMatching(new RegExp(`^${join(p.dir, "customers.txt")}:2:1: the label 'pаypal' mixes Latin and Cyrillic letters.*customer you mean$`)),
    ]);
  });
});

describe("refusals: every problem at once, at its file:line:col, and what to do", () => {
  test("listed twice, below the key zone, also a plain domain, bad names and words in the list file", async () => {
    const text = `${HEAD}domains:
  example.com:
    selectors: { s1: {} }
customers:
  dkim.esp.example:
    list: customers.txt
    domains:
      shop.example:
      example.com:
      mail.dkim.esp.example:
      bad_name.example:
`;
    const files = { "customers.txt": "shop.example\nother.example banana\nthird.example txt extra\nSHOP.example.\n" };
    expect(refused(text, files)).toEqual([
      "customers.txt:1:1: customer shop.example is listed twice (first at domains.yaml:13:7): keep one entry",
      "customers.txt:2:15: 'banana' after other.example is not a delegation: write cname or txt after the domain, or nothing (the key zone's default)",
      "customers.txt:3:19: unexpected 'extra': one customer per line, then at most cname or txt",
      "customers.txt:4:1: customer shop.example is listed twice (first at domains.yaml:13:7): keep one entry",
      "domains.yaml:14:7: customers/dkim.esp.example/domains/example.com: " +
        "example.com is a customer and also a sender domain under 'domains' (domains.yaml:7:3): keep one of the two",
      "domains.yaml:15:7: customers/dkim.esp.example/domains/mail.dkim.esp.example: " +
        "customer mail.dkim.esp.example is at or below the key zone dkim.esp.example: a customer's keys cannot delegate to its own zone; remove it",
      "domains.yaml:16:7: customers/dkim.esp.example/domains/bad_name.example: " +
        "customer name 'bad_name.example' is not a host name (letters, digits, hyphens and dots only)",
    ]);
    // Nothing is written: keys refuses before it makes a key.
    const p = project(text, files);
    const r = await dkimctl("keys", "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/7 problems found; nothing was changed\.\n$/);
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(p.store)).toBe(false);
    expect(readdirSync(p.dir).sort()).toEqual(["customers.txt", "domains.yaml"]);
  });

  test("a private key pasted into a list file is one problem, and no piece of it is quoted", () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const problems = refused(`${HEAD}customers:\n  dkim.esp.example:\n    list: customers.txt\n`, { "customers.txt": `shop.example\n${pem}` });
    expect(problems).toEqual([
      "customers.txt:2:1: this is a private key: never put it in domains.yaml; remove it from the file and from git history, and treat the key as compromised",
    ]);
    expect(findSecrets(problems.join("\n"), [pem])).toEqual([]);
  });

  test("the key zone and its slots", () => {
    const LONG_ZONE = `${"k".repeat(63)}.${"l".repeat(63)}.${"m".repeat(63)}.esp.example`;
    expect(
      refused(`${HEAD.replace("zones:\n", `zones:\n  ${LONG_ZONE}: { provider: route53 }\n`)}customers:
  keys.example.net:
    domains: { a.example: }
  dkim.esp.example:
    slots: [esp1]
    domains: { b.example: }
  x.dkim.esp.example:
    slots: [a.b, esp1, esp1, esp2, esp3]
    domains: { c.example: }
  ${LONG_ZONE}:
    slots: [esp1, verylongslot]
    list: missing.txt
  zz.example.com: {}
`),
    ).toEqual([
      "domains.yaml:8:3: customers/keys.example.net: the key zone keys.example.net" +
        " is not in 'zones': add it there with its provider (the customers' keys are published in it)",
      "domains.yaml:11:12: customers/dkim.esp.example/slots: 1 slot given: give two (a key signs from one while the next is published at the other), or three",
      "domains.yaml:13:3: customers/x.dkim.esp.example: the key zone x.dkim.esp.example" +
        " is not in 'zones': add it there with its provider (the customers' keys are published in it)",
      "domains.yaml:13:3: customers/x.dkim.esp.example: key zones dkim.esp.example and x.dkim.esp.example are nested: " +
        "a key zone holds targets two labels below it; use zones side by side",
      "domains.yaml:14:12: customers/x.dkim.esp.example/slots: 5 slots given: " +
        "give two (a key signs from one while the next is published at the other), or three",
      "domains.yaml:14:13: customers/x.dkim.esp.example/slots/0: slot 'a.b' has a dot: a slot is one label (letters, digits and hyphens), e.g. esp1",
      "domains.yaml:14:24: customers/x.dkim.esp.example/slots/2: slot esp1 is listed twice: give each slot its own name",
      `domains.yaml:17:19: customers/${LONG_ZONE}/slots/1: the targets of slot verylongslot in ${LONG_ZONE} can be 257 octets; ` +
        "DNS allows 253: use a shorter slot name or key zone",
      `domains.yaml:18:11: customers/${LONG_ZONE}/list: the customer list missing.txt: no such file; create it (one domain per line) or fix the path`,
      "domains.yaml:19:3: customers/zz.example.com: the key zone zz.example.com" +
        " is not in 'zones': add it there with its provider (the customers' keys are published in it)",
      "domains.yaml:19:3: customers/zz.example.com: lists no customers: add them under 'domains:' (one per line) or name a file of them with 'list:'",
    ]);
  });
});

test("targetCollisions reports both slots that would share a target, each naming the other's place", () => {
  const at = (line: number) => ({ file: "customers.txt", line, col: 1 });
  const customer = (line: number): Customer => ({
    name: "shop.example",
    keyZone: "dkim.esp.example",
    slots: ["esp1"],
    delegation: "cname",
    algorithm: "ed25519",
    ttl: 3600,
    rotation: { every: 180 * DAY, publishAhead: 3 * DAY, retireAfter: 7 * DAY },
    position: at(line),
  });
  expect(targetCollisions([customer(1), customer(9)]).map(formatProblem)).toEqual([
    "customers.txt:1:1: slot esp1 of shop.example and slot esp1 of shop.example (customers.txt:9:1)" +
      " would share the target esp1.shop.example.dkim.esp.example: " +
      "move one of them to another key zone",
    "customers.txt:9:1: slot esp1 of shop.example and slot esp1 of shop.example (customers.txt:1:1)" +
      " would share the target esp1.shop.example.dkim.esp.example: " +
      "move one of them to another key zone",
  ]);
  expect(targetCollisions([customer(1)])).toEqual([]);
});

test("domains.yaml needs 'domains' or 'customers'", () => {
  expect(refused("version: 1\nzones: {}\n")).toEqual(["domains.yaml:1:1: domains: 'domains' is missing: add it (a mapping)"]);
});
