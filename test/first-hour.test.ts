/**
 * The first hour of a new user (issue #12): each trap seen in that trial
 * gets one clear message at its FILE:LINE:COL, and nothing that follows from it.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DkimRecords } from "../constructs";
import { allCommands, usage } from "../src/cli/main";
import { parseConfig } from "../src/config/load";
import { formatProblem, InputError } from "../src/config/problems";
import { dkimctl, dkimctlBin, ROOT, tempProject } from "./support/project";

/** Every problem of `text` as the CLI prints it. */
function problems(text: string): string[] {
  try {
    parseConfig("domains.yaml", text);
  } catch (e) {
    if (e instanceof InputError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

/** A provider's TXT value for a real key, split into 255-byte strings and quoted, as a dashboard shows it. */
function providerTxt(): string {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const value = `v=DKIM1; k=rsa; p=${p}`;
  return [value.slice(0, 255), value.slice(255)].map((s) => `"${s}"`).join(" ");
}

const HEAD = `version: 1
zones:
  example.com: { provider: route53 }
domains:
`;

describe("a provider's already-quoted, split TXT value", () => {
  const txt = providerTxt();
  const WRAP =
    "YAML syntax error: this value is several quoted strings, as a signing provider shows a split TXT record; " +
    `wrap the whole value in single quotes: txt: '"v=DKIM1; k=rsa; p=..." "..."' (dkimctl joins the strings)`;

  test("pasted as is: one problem at the value that says to wrap it in single quotes", () => {
    expect(problems(`${HEAD}  example.com:\n    selectors:\n      di1:\n        txt: ${txt}\n`)).toEqual([`domains.yaml:8:14: ${WRAP}`]);
  });

  test("continued on the next line, or in a flow mapping: the same one problem each", () => {
    const [first, second] = txt.split('" "');
    const text = `${HEAD}  example.com:\n    selectors:\n      di1:\n        txt: ${first}"\n          "${second}\n      di2: { txt: ${txt} }\n`;
    expect(problems(text)).toEqual([`domains.yaml:8:14: ${WRAP}`, `domains.yaml:10:19: ${WRAP}`]);
  });

  test("wrapped in single quotes as the message says: valid, the strings joined", () => {
    const config = parseConfig("domains.yaml", `${HEAD}  example.com:\n    selectors:\n      di1:\n        txt: '${txt}'\n`);
    const source = config.domains[0].selectors[0].source;
    expect(source.kind === "provided" && source.txt).toBe(JSON.parse(`[${txt.replace('" "', '","')}]`).join(""));
  });

  test("other syntax errors keep YAML's own message", () => {
    expect(problems(`${HEAD}  example.com: { selectors: { s1: {} }\n`)[0]).toMatch(/^domains\.yaml:\d+:\d+: YAML syntax error: (?!this value)/);
  });
});

describe("a typo in provider", () => {
  test("is one problem with a did-you-mean; the domains under that zone are not 'under no zone'", () => {
    const text = `version: 1
zones:
  example.com:
    provider: route35
domains:
  example.com:
    selectors:
      s1: {}
  mail.example.com:
    selectors:
      s1: {}
  example.net:
    selectors:
      s1: {}
`;
    expect(problems(text)).toEqual([
      "domains.yaml:4:15: zones/example.com/provider: \"route35\" is not allowed: did you mean 'route53'? " +
        "(one of route53, cloudflare, google, azure, digitalocean)",
      // A domain under no zone at all is still reported.
      "domains.yaml:12:3: domains/example.net: example.net is under no zone in 'zones': add the zone that holds example.net to 'zones', or fix the name",
    ]);
  });

  test("a key algorithm typo gets a did-you-mean too", () => {
    expect(problems(`${HEAD}  example.com:\n    selectors:\n      s1: { key: rsa-2084 }\n`)).toEqual([
      'domains.yaml:7:18: domains/example.com/selectors/s1/key: "rsa-2084" is not allowed: ' +
        "did you mean 'rsa-2048'? (one of rsa-1024, rsa-2048, rsa-3072, rsa-4096, ed25519)",
    ]);
  });
});

describe("under-indented fields of a domain", () => {
  test("'selectors' at the level of the domain names is one problem saying to indent it under its domain", () => {
    expect(problems(`${HEAD}  example.com:\n  selectors:\n    s1: {}\n`)).toEqual([
      "domains.yaml:6:3: domains/selectors: 'selectors' is a field of a domain, but it is at the level of the domain names, " +
        "so it reads as a domain named 'selectors': indent 'selectors:' and the lines under it two more spaces, under example.com",
    ]);
  });

  test("'rotation' too, and the other problems of the file are still reported", () => {
    expect(problems(`${HEAD}  example.com:\n  rotation: { every: 90d }\n  example.org:\n    selectors: { s1: {} }\n`)).toEqual([
      "domains.yaml:6:3: domains/rotation: 'rotation' is a field of a domain, but it is at the level of the domain names, " +
        "so it reads as a domain named 'rotation': indent 'rotation:' and the lines under it two more spaces, under example.com",
      "domains.yaml:7:3: domains/example.org: example.org is under no zone in 'zones' (zones: example.com): " +
        "add the zone that holds example.org to 'zones', or fix the name",
    ]);
  });
});

describe("values YAML reads otherwise than meant", () => {
  test("a duration without a unit: add a unit, e.g. 180d", () => {
    expect(problems(`${HEAD}  example.com:\n    rotation: { every: 180 }\n`)).toEqual([
      "domains.yaml:6:24: domains/example.com/rotation/every: expected a duration, found the number 180: add a unit, e.g. 180d (w, d, h, m or s)",
    ]);
  });

  test("yes and no (strings in YAML 1.2) for a boolean: use true or false, every one at once", () => {
    expect(problems(`${HEAD}  example.com:\n    selectors:\n      s1: { testing: yes, adopt: no }\n`)).toEqual(
      [
        ["7:22", "testing", "yes"],
        ["7:34", "adopt", "no"],
      ].map(
        ([at, field, v]) =>
          `domains.yaml:${at}: domains/example.com/selectors/s1/${field}: expected true or false, found the string "${v}": ` +
          "use true or false (YAML 1.2 reads yes, no, on, off as strings)",
      ),
    );
  });
});

const git = (dir: string, ...args: string[]) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });

describe("export into a git work tree", () => {
  async function keyedRepo() {
    const p = tempProject(`${HEAD}  example.com:\n    selectors:\n      e1: { key: ed25519 }\n`);
    expect(git(p.dir, "init", "-q").status).toBe(0);
    writeFileSync(join(p.dir, ".gitignore"), ".dkim/\ndkim-export/\n");
    expect((await dkimctl("keys", "--config", p.config)).code).toBe(0);
    return p;
  }

  test("a directory git does not ignore is refused, writing nothing; --force overrides", async () => {
    const p = await keyedRepo();
    const out = join(p.dir, "keys-out");
    const r = await dkimctl("export", "--format", "pem", "--out", out, "--config", p.config);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: --out ${out} is inside the git work tree ${p.dir} and git does not ignore example.com/e1.pem, .dkimctl-export: ` +
        "the private keys would be one 'git add' away from a commit. " +
        `Add 'keys-out/' to ${join(p.dir, ".gitignore")}, export outside the repository, or add --force\n`,
    );
    expect(existsSync(out)).toBe(false);
    expect((await dkimctl("export", "--format", "pem", "--out", out, "--force", "--config", p.config)).code).toBe(0);
    expect(existsSync(join(out, "example.com", "e1.pem"))).toBe(true);
  });

  test("an ignored directory (as the README's dkim-export/) is fine", async () => {
    const p = await keyedRepo();
    expect((await dkimctl("export", "--format", "pem", "--out", join(p.dir, "dkim-export"), "--config", p.config)).code).toBe(0);
    expect(git(p.dir, "status", "--porcelain", "--untracked-files=all").stdout).not.toMatch(/dkim-export|\.pem/);
  });
});

/** The CLI in-process (no child to start: quicker), run in `cwd` with DKIMCTL_CONFIG as given (unset by default). */
async function at(cwd: string, argv: string[], config?: string) {
  const [dir, env] = [process.cwd(), process.env.DKIMCTL_CONFIG];
  process.chdir(cwd);
  if (config === undefined) delete process.env.DKIMCTL_CONFIG;
  else process.env.DKIMCTL_CONFIG = config;
  try {
    return await dkimctl(...argv);
  } finally {
    process.chdir(dir);
    if (env === undefined) delete process.env.DKIMCTL_CONFIG;
    else process.env.DKIMCTL_CONFIG = env;
  }
}

describe("keys and domains with a rotation policy; hints that repeat the options given", () => {
  /** A project in infra/dns/ of a fresh directory, run from that directory as a user would. */
  function nested() {
    const p = tempProject("");
    mkdirSync(join(p.dir, "infra", "dns"), { recursive: true });
    writeFileSync(
      join(p.dir, "infra", "dns", "domains.yaml"),
      `${HEAD}  example.com:\n    selectors:\n      e1: { key: ed25519 }\n  news.example.com:\n    rotation: { every: 90d, keys: [ed25519] }\n`,
    );
    return p.dir;
  }
  const ROTATE = "'npx dkimctl rotate --config infra/dns/domains.yaml'";

  test("keys names the domains that need 'dkimctl rotate', with the --config given; validate's hints repeat it too", async () => {
    const dir = nested();
    const before = await at(dir, ["validate", "--config", "infra/dns/domains.yaml"]);
    expect(before.err).toContain("run 'npx dkimctl keys --config infra/dns/domains.yaml' and commit infra/dns/dkim.lock.yaml");
    const keys = dkimctlBin(["keys", "--config", "infra/dns/domains.yaml"], { cwd: dir });
    expect(keys.code).toBe(0);
    const WAITING =
      "news.example.com has a rotation policy and no key yet; 'keys' does not make their keys: " +
      `run ${ROTATE} to make the first ones, then commit infra/dns/dkim.lock.yaml\n`;
    expect(keys.out).toMatch(new RegExp(`generated ed25519 key for example.com/e1 .*\\n.*\\n${WAITING.replace(/[.*'()[\]]/g, "\\$&")}$`));
    const again = await at(dir, ["keys", "--config", "infra/dns/domains.yaml"]);
    expect(again.out).toBe(`every generated selector has a key\n${WAITING}`);
    const after = await at(dir, ["validate", "--config", "infra/dns/domains.yaml"]);
    expect(after.err).toContain(`has a rotation policy but no keys in infra/dns/dkim.lock.yaml yet: run ${ROTATE} and commit`);
    expect((await at(dir, ["rotate", "--config", "infra/dns/domains.yaml"])).code).toBe(0);
    expect((await at(dir, ["keys", "--config", "infra/dns/domains.yaml"])).out).toBe("every generated selector has a key; nothing to do\n");
  });

  test("the lock's and the key store's hints repeat the options given too", async () => {
    const dir = nested();
    const args = ["--config", "infra/dns/domains.yaml", "--key-store", "keys-dir"];
    const given = "--config infra/dns/domains.yaml --key-store keys-dir";
    expect((await at(dir, ["keys", ...args])).code).toBe(0);
    expect((await at(dir, ["rotate", ...args])).code).toBe(0);
    chmodSync(join(dir, "keys-dir"), 0o755);
    expect((await at(dir, ["validate", ...args])).err).toContain(
      `is open to other users, who could read or replace private keys: make sure no key was changed ('npx dkimctl validate ${given}' compares`,
    );
    chmodSync(join(dir, "keys-dir"), 0o700);
    writeFileSync(join(dir, "infra", "dns", "dkim.lock.yaml"), "version: 1\nkeys:\n<<<<<<< HEAD\n  a: {}\n=======\n  b: {}\n>>>>>>> main\n");
    expect((await at(dir, ["records", ...args])).err).toContain(`take one side and run 'npx dkimctl keys ${given}' again)`);
  });

  test("every command says on stderr which config and key store it read; stdout keeps its format", () => {
    const dir = nested();
    const keys = dkimctlBin(["keys", "--config", "infra/dns/domains.yaml"], { cwd: dir });
    expect(keys.err).toBe("config: infra/dns/domains.yaml · keys: local infra/dns/.dkim/keys\n");
    expect(dkimctlBin(["rotate", "--config", "infra/dns/domains.yaml"], { cwd: dir }).err).toBe(
      "config: infra/dns/domains.yaml · keys: local infra/dns/.dkim/keys\n",
    );
    const records = dkimctlBin(["records", "--format", "json", "--config", "infra/dns/domains.yaml"], { cwd: dir });
    expect(records.err).toBe("config: infra/dns/domains.yaml\n");
    expect(JSON.parse(records.out).map((r: { name: string }) => r.name)).toHaveLength(2);
    // --quiet (keys, rotate: cron jobs) says nothing but warnings and errors.
    for (const command of ["keys", "rotate"]) expect(dkimctlBin([command, "--quiet", "--config", "infra/dns/domains.yaml"], { cwd: dir }).err).toBe("");
  });
});

describe("finding the project from a subdirectory, as git finds .git", () => {
  const YAML = `${HEAD}  example.com:\n    selectors:\n      e1: { key: ed25519 }\n`;
  /** A project at the top of a git work tree, and a directory two levels below it. */
  function repo() {
    const p = tempProject(YAML);
    expect(git(p.dir, "init", "-q").status).toBe(0);
    const sub = join(p.dir, "docs", "notes");
    mkdirSync(sub, { recursive: true });
    return { ...p, sub };
  }
  /** The bin run in `cwd` with no DKIMCTL_CONFIG (the tests' own environment may set it). */
  const bin = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => dkimctlBin(args, { cwd, env: { DKIMCTL_CONFIG: undefined, ...env } });
  const notFound = (from: string, top: string) =>
    `error: no domains.yaml in ${from} or any directory above it up to ${top} (the top of its git work tree): ` +
    "'npx dkimctl init' starts a project here; for a project elsewhere, run the command in its directory or pass --config FILE (or set DKIMCTL_CONFIG)\n";

  test("commands read the nearest domains.yaml above, name it from where they ran, and write the lock and keys beside it", async () => {
    const p = repo();
    const before = await at(p.sub, ["validate"]);
    expect(before.err).toContain("has no key in ../../dkim.lock.yaml: run 'npx dkimctl keys' and commit ../../dkim.lock.yaml");
    // The real bin, as users run it: its config line names what it found.
    const keys = bin(["keys"], p.sub);
    expect([keys.code, keys.err]).toEqual([0, "config: ../../domains.yaml · keys: local ../../.dkim/keys\n"]);
    expect([existsSync(p.lock), existsSync(p.store), readdirSync(p.sub)]).toEqual([true, true, []]);
    const after = await at(p.sub, ["validate"]);
    // validate's first line names the config as found; the lock's and the key store's lines follow (#21 item 6).
    expect([after.code, after.out.split("\n")[0]]).toEqual([0, "../../domains.yaml: ok (1 zones, 1 domains, 1 records)"]);
    expect(after.out).toMatch(/^key store local \S+: ok: it holds the 1 key the lock publishes, matching it$/m);
    expect((await at(p.dir, ["validate"])).out.split("\n")[0]).toBe("domains.yaml: ok (1 zones, 1 domains, 1 records)");
  });

  test("--config and DKIMCTL_CONFIG are taken as given, from the working directory: no search", async () => {
    const p = repo();
    const missing = "domains.yaml:1:1: no such file; check the path given (--config or DKIMCTL_CONFIG), or start a project with 'npx dkimctl init'\n";
    expect(await at(p.sub, ["validate", "--config", "domains.yaml"])).toEqual({ code: 1, out: "", err: `${missing}1 problem found; nothing was changed.\n` });
    expect((await at(p.sub, ["validate"], "domains.yaml")).err).toBe(`${missing}1 problem found; nothing was changed.\n`);
    // A hint repeats the --config given, which is right from where it ran.
    expect((await at(p.sub, ["validate", "--config", "../../domains.yaml"])).err).toContain("run 'npx dkimctl keys --config ../../domains.yaml' and commit");
  });

  test("the search stops at the top of the git work tree: a domains.yaml above it belongs to another project", async () => {
    const outer = tempProject(YAML);
    const top = join(outer.dir, "checkout");
    mkdirSync(join(top, "src"), { recursive: true });
    expect(git(top, "init", "-q").status).toBe(0);
    const r = bin(["keys"], join(top, "src"));
    expect(r).toEqual({ code: 1, out: "", err: notFound(join(top, "src"), top) });
    expect(existsSync(outer.lock)).toBe(false);
    // A linked worktree's .git is a file: its top is a top too.
    const ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"];
    expect(git(top, ...ident, "commit", "-q", "--allow-empty", "-m", "first").status).toBe(0);
    const linked = join(outer.dir, "linked");
    expect(git(top, "worktree", "add", "-q", linked).status).toBe(0);
    expect((await at(linked, ["validate"])).err).toBe(notFound(linked, linked).replace(` or any directory above it up to ${linked}`, ""));
  });

  test("the cdktf app run below the project reads the same domains.yaml and keeps its state beside it; it says where it looked as the CLI does", async () => {
    const p = repo();
    expect((await at(p.sub, ["keys"])).code).toBe(0);
    const app = (cwd: string, out: string) =>
      spawnSync(process.execPath, ["-r", join(ROOT, "bin", "check-build.js"), join(ROOT, "dist", "main.js")], {
        cwd,
        env: { ...process.env, DKIMCTL_CONFIG: undefined, CDKTF_OUTDIR: out },
        encoding: "utf8",
      });
    const out = join(p.dir, "cdktf.out");
    const r = app(p.sub, out);
    expect([r.status, r.stderr]).toEqual([0, ""]);
    const stack = join(out, "stacks", "example-com");
    const tf = JSON.parse(readFileSync(join(stack, "cdk.tf.json"), "utf8"));
    expect(resolve(stack, tf.terraform.backend.local.path)).toBe(join(p.dir, "terraform.example-com.tfstate"));
    expect(JSON.stringify(tf.resource)).toContain("e1._domainkey.example.com");
    const elsewhere = join(tempProject("").dir, "x");
    mkdirSync(elsewhere);
    expect(git(elsewhere, "init", "-q").status).toBe(0);
    const failed = app(elsewhere, join(elsewhere, "out"));
    expect([failed.status, failed.stderr]).toEqual([1, notFound(elsewhere, elsewhere).replace(` or any directory above it up to ${elsewhere}`, "")]);
  });

  test("DkimRecords without a config prop reads the domains.yaml dkimctl finds", async () => {
    const p = repo();
    expect((await at(p.sub, ["keys"])).code).toBe(0);
    const listed = JSON.parse((await dkimctl("records", "--format", "json", "--config", p.config)).out);
    const cwd = process.cwd();
    process.chdir(p.sub);
    try {
      const stack = new TerraformStack(Testing.app(), "mine");
      new AwsProvider(stack, "aws", { region: "us-east-1" });
      const dkim = new DkimRecords(stack, "dkim", { zone: "example.com" });
      expect(dkim.records.map((r) => [r.name, r.value])).toEqual(listed.map((r: { name: string; value: string }) => [r.name, r.value]));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("mistyped commands and options", () => {
  test.each([
    [["rotat"], "error: unknown command 'rotat': did you mean 'rotate'?"],
    [["export", "--forse"], "error: unknown option '--forse': did you mean '--force'?"],
    [["keys", "--confg", "x.yaml"], "error: unknown option '--confg': did you mean '--config'?"],
    [["records", "--banana"], "error: unknown option '--banana'"],
  ])("dkimctl %j gets a did-you-mean", async (argv, message) => {
    const r = await dkimctl(...argv);
    expect(r.code).toBe(2);
    expect(r.err.split("\n")[0]).toBe(message);
  });
});

describe("each command's own --help", () => {
  const commands = [...allCommands()];

  test("every command of the issue is registered, keys' subcommands included", () => {
    expect(commands.map(([path]) => path).sort()).toEqual(
      expect.arrayContaining(["init", "validate", "keys", "keys import", "keys migrate", "keys prune", "keys rewrap", "rotate", "records", "export", "verify"]),
    );
    expect(commands.map(([path]) => path)).toEqual(expect.arrayContaining(["check-plan", "stacks"]));
  });

  test.each(commands)("dkimctl %s --help and dkimctl help %s: its usage and one line per option its parser accepts", async (path, command) => {
    const words = path.split(" ");
    const viaFlag = await dkimctl(...words, "--help");
    const viaHelp = await dkimctl("help", ...words);
    expect([viaFlag.code, viaHelp.code]).toEqual([0, 0]);
    expect(viaHelp.out).toBe(viaFlag.out);
    expect(viaFlag.out).toMatch(new RegExp(`^Usage:\\n  dkimctl ${path} `));
    expect(viaFlag.out).not.toBe(usage());
    // The option table the parser reads: each option has a line saying what it does.
    const lines = viaFlag.out.split("\n");
    for (const [name, option] of Object.entries(command.options)) {
      const line = lines.find((l) => new RegExp(`^  --${name}(, -\\w)?( \\S+)?\\s{2,}\\S`).test(l));
      expect([name, line !== undefined]).toEqual([name, true]);
      expect(option.help.length).toBeGreaterThan(10);
    }
    // ...and it is the table the parser reads: each option is accepted (the run fails later, on the missing config, or on
    // --config itself where a command takes none, such as init: so nothing is ever written), others are not.
    for (const [name, option] of Object.entries(command.options)) {
      if (name === "help") continue;
      const r = await dkimctl(...words, `--${name}`, ...(option.type === "string" ? ["x"] : []), "--config", "/nonexistent/domains.yaml");
      expect([name, r.code]).not.toEqual([name, 0]);
      expect([name, r.err]).not.toEqual([name, expect.stringContaining(`unknown option '--${name}'`)]);
    }
    const bogus = await dkimctl(...words, "--no-such-option");
    expect([bogus.code, bogus.err.split("\n")]).toEqual([2, ["error: unknown option '--no-such-option'", `Run 'dkimctl ${path} --help' for usage.`, ""]]);
  });

  test("the options the issue names say what they do", async () => {
    // Wrapped lines joined, so that the wording is checked, not where it wraps.
    const help = async (...words: string[]) => (await dkimctl(...words, "--help")).out.replace(/\s+/g, " ");
    expect(await help("rotate")).toMatch(/--force start a new key now for each selected domain even where its active key is not yet due/);
    expect(await help("rotate")).toMatch(/--verify make a pending key active only once DNS also serves its record/);
    expect(await help("rotate")).toMatch(/--now TIME act as if it were TIME/);
    expect(await help("keys")).toMatch(/--quiet, -q print nothing on stderr but warnings and errors: no progress line while keys are made, no config line/);
    expect(await help("export")).toMatch(/--force export even into a directory of a git work tree that git does not ignore/);
    expect(await help("records")).toMatch(/--format, -f FORMAT table \(default, for people\), zone/);
    expect(await help("keys")).toContain("Commands under keys (dkimctl keys COMMAND --help for each): dkimctl keys import --domain D");
  });

  test("dkimctl --help and dkimctl help keep the overview of every command, then the help topics", async () => {
    for (const argv of [["--help"], ["help"], ["-h"]]) {
      const r = await dkimctl(...argv);
      expect([r.code, r.out]).toEqual([0, expect.stringMatching(/\nHelp topics: /)]);
      expect(r.out.startsWith(`${usage()}\n`)).toBe(true);
    }
    for (const [, command] of commands) for (const line of command.usage) expect(usage()).toContain(line);
    expect((await dkimctl("help", "rotat")).err).toMatch(/^error: unknown command or help topic 'rotat': did you mean 'rotate'\?/);
    expect((await dkimctl("help", "keys", "imprt")).err).toMatch(/^error: 'keys' has no command 'imprt'/);
  });
});

describe("a synth failure", () => {
  test("the compiled app, run as cdktf synth runs it, prints the problem once and writes nothing", () => {
    const p = tempProject("version: 1\nzones:\n  example.com: { provider: route35 }\ndomains: {}\n");
    const out = join(p.dir, "cdktf.out");
    const r = spawnSync(process.execPath, ["-r", join(ROOT, "bin", "check-build.js"), join(ROOT, "dist", "main.js")], {
      cwd: ROOT,
      // What cdktf synth sets for the app (@cdktf/cli-core synth-stack.js), with the config given as users give it.
      env: { ...process.env, DKIMCTL_CONFIG: p.config, CDKTF_OUTDIR: out, CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true", CDKTF_CONTEXT_JSON: "{}" },
      encoding: "utf8",
    });
    const message =
      `${p.config}:3:28: zones/example.com/provider: "route35" is not allowed: did you mean 'route53'? ` +
      "(one of route53, cloudflare, google, azure, digitalocean)";
    expect([r.status, r.stdout, r.stderr]).toEqual([1, "", `${message}\n1 problem found; nothing was changed.\n`]);
    expect(existsSync(out)).toBe(false);
  });
});

describe("the documentation's domains.yaml", () => {
  /** Every ```yaml block of README.md and docs/*.md that is a whole domains.yaml (has `version: 1`), with its file and line. */
  const pages = [
    "README.md",
    ...readdirSync(join(ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  const blocks = pages.flatMap((page) =>
    [...readFileSync(join(ROOT, page), "utf8").matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
      .filter((m) => /^version: 1$/m.test(m[1]))
      .map((m) => [`${page} line ${m.input.slice(0, m.index).split("\n").length}`, m[1]] as const),
  );

  test("there is one to copy", () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  test.each(blocks)("%s can be copied as is: keys, then validate, both succeed", async (_at, text) => {
    const p = tempProject(text);
    const keys = await dkimctl("keys", "--config", p.config);
    expect([keys.code, keys.err]).toEqual([0, ""]);
    const valid = await dkimctl("validate", "--config", p.config);
    expect([valid.code, valid.err]).toEqual([0, ""]);
  });
});
