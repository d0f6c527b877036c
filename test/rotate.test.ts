/** dkimctl rotate: policy validation, the lock and key store it writes, and what the signer gets. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseConfig } from "../src/config/load";
import { InputError } from "../src/config/problems";
import { dkimctl, tempDir, tempProject } from "./support/project";

const YAML = `version: 1
defaults:
  rotation: { every: 180d, publishAhead: 3d, retireAfter: 7d, revokeFor: 30d }
zones:
  example.com: { provider: route53 }
domains:
  example.com: {}
  mail.example.com:
    rotation: { keys: [rsa-2048, ed25519], every: 90d }
    selectors:
      legacy: { key: rsa-2048 }
  static.example.com:
    selectors:
      s1: {}
`;

const lockOf = (file: string) => parse(readFileSync(file, "utf8")).keys;

describe("rotation policy validation", () => {
  const problems = (text: string) => {
    try {
      parseConfig("d.yaml", text);
    } catch (e) {
      if (e instanceof InputError) return e.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`);
      throw e;
    }
    return [];
  };
  const base = (rotation: string, domain = "example.com: {}") =>
    `version: 1\ndefaults:\n  rotation: ${rotation}\nzones: { example.com: { provider: route53 } }\ndomains:\n  ${domain}\n`;

  test.each([
    ["{ every: 6 months }", "3:22 defaults/rotation/every: a duration like 90s, 15m, 12h, 3d or 2w"],
    [
      "{ every: 3d, publishAhead: 3d }",
      "3:22 defaults/rotation/every: rotation every must be longer than publishAhead: the next key is published publishAhead before it signs",
    ],
    [
      "{ retireAfter: 0d }",
      "3:28 defaults/rotation/retireAfter: rotation retireAfter must be longer than 0: mail signed just before a rotation is still in transit",
    ],
    [
      "{ keys: [rsa-2048, rsa-4096] }",
      "3:21 defaults/rotation/keys: rotation keys lists two RSA sizes: a domain signs with one key per type (k=rsa, k=ed25519)",
    ],
    ["{ selector: 'dkim{yyyy}' }", "3:25 defaults/rotation/selector: rotation selector must contain {seq}, so that names are never reused"],
    [
      "{ selector: 'x_{seq}' }",
      "3:25 defaults/rotation/selector: rotation selector renders as 'x_a', which is not a selector: " +
        "use letters, digits, hyphens and the placeholders {k} {yyyy} {mm} {dd} {seq}",
    ],
    [
      "{ keys: [rsa-2048, ed25519], selector: 'sel{seq}' }",
      "3:52 defaults/rotation/selector: rotation selector must contain {k} when the domain rotates several algorithms",
    ],
    ["{ evrey: 90d }", "3:15 defaults/rotation/evrey: unknown field 'evrey': did you mean 'every'?"],
  ])("%s is refused with its position", (rotation, expected) => {
    expect(problems(base(rotation))).toEqual([expected]);
  });

  test("a domain's own rotation overrides the defaults field by field, and errors point at the domain", () => {
    expect(problems(base("{ every: 90d }", "example.com: { rotation: { publishAhead: 90d } }"))).toEqual([
      "3:22 defaults/rotation/every: rotation every must be longer than publishAhead: the next key is published publishAhead before it signs",
    ]);
    expect(problems(base("{ every: 90d }", "example.com: { rotation: { every: 2d } }"))).toEqual([
      "6:37 domains/example.com/rotation/every: rotation every must be longer than publishAhead: the next key is published publishAhead before it signs",
    ]);
    const c = parseConfig("d.yaml", base("{ every: 90d, keys: [ed25519] }", "example.com: { rotation: { publishAhead: 1d } }"));
    expect(c.domains[0].rotation).toMatchObject({ every: 90 * 86_400_000, publishAhead: 86_400_000, keys: ["ed25519"], selector: "{k}{yyyy}{mm}{seq}" });
  });

  test("defaults.rotation applies only to domains that declare no selectors", () => {
    const c = parseConfig("d.yaml", YAML);
    expect(c.domains.map((d) => [d.name, d.rotation?.keys ?? null])).toEqual([
      ["example.com", ["rsa-2048"]],
      ["mail.example.com", ["rsa-2048", "ed25519"]],
      ["static.example.com", null],
    ]);
  });
});

describe("dkimctl rotate", () => {
  test("first run makes pending keys; validate then asks for nothing; a later run promotes them", async () => {
    const p = tempProject(YAML);
    expect((await dkimctl("validate", "--config", p.config)).err).toMatch(
      /domains\/example.com: has a rotation policy but no keys in .* yet: run 'npx dkimctl rotate --config [^']*domains.yaml' and commit/,
    );
    const r1 = await dkimctl("rotate", "--config", p.config, "--now", "2026-11-26T00:00:00Z");
    expect(r1.code).toBe(0);
    expect(r1.out).toContain("example.com: s202611a (rsa-2048) new -> pending: first key\n");
    expect(r1.out).toContain("mail.example.com: e202611a (ed25519) new -> pending: first key\n");
    expect(r1.out).toContain("example.com: signs with nothing yet; next change due 2026-11-29T00:00:00.000Z\n");
    expect(lockOf(p.lock)["example.com"].s202611a).toMatchObject({ algorithm: "rsa-2048", state: "pending", created: "2026-11-26T00:00:00Z" });
    expect(readdirSync(join(p.store, "mail.example.com")).sort()).toEqual(["e202611a.pem", "s202611a.pem"]);
    await dkimctl("keys", "--config", p.config);
    expect((await dkimctl("validate", "--config", p.config)).code).toBe(0);

    const early = await dkimctl("rotate", "--config", p.config, "--now", "2026-11-28T23:59:59Z");
    expect(early.out).toMatch(/nothing to rotate\n$/);
    const r2 = await dkimctl("rotate", "--config", p.config, "--now", "2026-11-29T00:00:00Z");
    expect(r2.out).toContain("example.com: s202611a (rsa-2048) pending -> active: published for 3d\n");
    expect(r2.out).toContain("mail.example.com: signs with e202611a (ed25519), s202611a (rsa-2048); next change due 2027-02-24T00:00:00.000Z\n");

    // Records: pending/active keys published; the hand-written selector untouched.
    const records = JSON.parse((await dkimctl("records", "--format", "json", "--config", p.config)).out).map((r: { name: string }) => r.name);
    expect(records).toEqual(
      [
        "legacy._domainkey.mail.example.com",
        "s202611a._domainkey.example.com",
        "e202611a._domainkey.mail.example.com",
        "s202611a._domainkey.mail.example.com",
        "s1._domainkey.static.example.com",
      ].sort(),
    );
  });

  test("a whole rotation: the signer's table follows the active key; revoked keys publish an empty p=, then go", async () => {
    const p = tempProject(
      YAML.replace("  mail.example.com:\n    rotation: { keys: [rsa-2048, ed25519], every: 90d }\n    selectors:\n      legacy: { key: rsa-2048 }\n", ""),
    );
    const at = (t: string) => dkimctl("rotate", "--config", p.config, "--now", t, "--domain", "example.com");
    await dkimctl("keys", "--config", p.config);
    await at("2026-01-01T00:00:00Z");
    await at("2026-01-04T00:00:00Z");
    await at("2026-06-30T00:00:00Z"); // 177 days: the next key is made
    expect(lockOf(p.lock)["example.com"].s202606a.state).toBe("pending");
    const signing = async () => {
      const out = tempDir();
      await dkimctl("export", "--format", "opendkim", "--out", out, "--config", p.config);
      return readFileSync(join(out, "SigningTable"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("example.com "));
    };
    expect(await signing()).toEqual(["example.com s202601a._domainkey.example.com"]);
    await at("2026-07-03T00:00:00Z");
    expect(await signing()).toEqual(["example.com s202606a._domainkey.example.com"]);
    const json = tempDir();
    await dkimctl("export", "--format", "json", "--out", json, "--config", p.config);
    expect(
      JSON.parse(readFileSync(join(json, "keys.json"), "utf8"))
        .filter((k: { domain: string }) => k.domain === "example.com")
        .map((k: { selector: string; state: string }) => `${k.selector}:${k.state}`),
    ).toEqual(["s202601a:retiring", "s202606a:active"]);
    await at("2026-07-10T00:00:00Z");
    const revoked = JSON.parse((await dkimctl("records", "--format", "json", "--config", p.config)).out).find(
      (r: { name: string }) => r.name === "s202601a._domainkey.example.com",
    );
    expect(revoked.value).toBe("v=DKIM1; k=rsa; p=");
    await at("2026-08-09T00:00:00Z");
    const names = JSON.parse((await dkimctl("records", "--format", "json", "--config", p.config)).out).map((r: { name: string }) => r.name);
    expect(names).not.toContain("s202601a._domainkey.example.com");
    expect(lockOf(p.lock)["example.com"].s202601a).toMatchObject({ state: "removed", removed: "2026-08-09T00:00:00Z" });
  });

  test("--force starts a rotation now; usage errors for a bad time or a domain that does not rotate", async () => {
    const p = tempProject(YAML);
    await dkimctl("rotate", "--config", p.config, "--now", "2026-01-01T00:00:00Z");
    await dkimctl("rotate", "--config", p.config, "--now", "2026-01-04T00:00:00Z");
    const f = await dkimctl("rotate", "--config", p.config, "--now", "2026-01-05T00:00:00Z", "--force", "--domain", "Example.com.");
    expect(f.out).toContain("example.com: s202601b (rsa-2048) new -> pending: rotation forced\n");
    expect(f.out).not.toContain("mail.example.com:");
    expect((await dkimctl("rotate", "--config", p.config, "--now", "yesterday")).code).toBe(2);
    const bad = await dkimctl("rotate", "--config", p.config, "--domain", "static.example.com");
    expect([bad.code, bad.err.split("\n")[0]]).toEqual([
      2,
      `error: --domain static.example.com is not a rotated domain in ${p.config} (rotated: example.com, mail.example.com)`,
    ]);
  });

  test("invalid input writes nothing", async () => {
    const p = tempProject(YAML.replace("every: 180d", "every: 2d"));
    const r = await dkimctl("rotate", "--config", p.config);
    expect(r.code).toBe(1);
    expect(existsSync(p.lock)).toBe(false);
    expect(existsSync(p.store)).toBe(false);
  });
});

describe("hand edits to a rotated domain's lifecycle are refused", () => {
  const run = async (edit: (keys: Record<string, Record<string, unknown>>) => void) => {
    const p = tempProject(YAML);
    await dkimctl("keys", "--config", p.config);
    for (const t of ["2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z", "2026-06-30T00:00:00Z"]) await dkimctl("rotate", "--config", p.config, "--now", t);
    const doc = parse(readFileSync(p.lock, "utf8"));
    edit(doc.keys["example.com"]);
    writeFileSync(p.lock, JSON.stringify(doc, null, 1));
    return dkimctl("records", "--config", p.config);
  };

  test("two active keys of one algorithm", async () => {
    const r = await run((keys) => Object.assign(keys.s202606a, { state: "active", activated: "2026-07-03T00:00:00Z" }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/dkim.lock.yaml:\d+:\d+: keys\/example.com\/s202606a\/state: example.com has two active rsa-2048 keys \(s202601a and s202606a\)/);
  });

  test("a state without the time it was entered, and times out of order", async () => {
    const missing = await run((keys) => Object.assign(keys.s202601a, { state: "revoked" }));
    expect(missing.err).toMatch(/keys\/example.com\/s202601a\/state: state revoked needs a 'retired' time: the lock was edited by hand/);
    const order = await run((keys) => Object.assign(keys.s202601a, { activated: "2025-12-01T00:00:00Z" }));
    expect(order.err).toMatch(/keys\/example.com\/s202601a\/activated: activated is before created/);
  });
});
