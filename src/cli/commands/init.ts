/** `dkimctl init [DIR]`: a project of one's own that runs the installed package. */
import { cliReason, currentNode } from "../../init/cli-choice";
import { checkInitOptions } from "../../init/options";
import { packageInfo, packageRoot, packagedWorkflows } from "../../init/package-info";
import { type InitPlan, type PlannedFile, planInit, writeInit } from "../../init/scaffold";
import { parseOptions } from "../args";
import type { Command } from "../command";
import { commandHelp, type OptionTable, parserOptions } from "../help";
import { UsageError } from "../report";
import { DEFAULT_PROVIDER, PROVIDER_NAMES, PROVIDERS as DNS_PROVIDERS } from "../../providers";

const PROVIDERS = PROVIDER_NAMES.join("|");
const USAGE =
  `  dkimctl init [DIR] [--provider ${PROVIDERS}] [--zone NAME] [--key-zone NAME] [--key-store local|age|awsSecretsManager] ` +
  "[--cli dkimctl|cdktf|cdktn] [--force]";

/** init's own options: it reads no config, and --key-store names a kind of store, not a directory. */
const OPTIONS = {
  provider: { type: "string", arg: "NAME", help: `where the zone is hosted: ${PROVIDER_NAMES.join(", ")} (default: ${DEFAULT_PROVIDER})` },
  zone: { type: "string", arg: "NAME", help: "the zone, and the sender domain of the first selector (default: example.com)" },
  "key-store": {
    type: "string",
    arg: "KIND",
    help: "where private keys live: local (default; .dkim/keys/, gitignored), age or awsSecretsManager",
  },
  "age-recipient": {
    type: "string",
    multiple: true,
    arg: "AGE1...",
    help: "with --key-store age: a recipient keys are encrypted to, one for each teammate",
  },
  region: { type: "string", arg: "REGION", help: "with --key-store awsSecretsManager: the AWS region of the secrets, e.g. eu-west-1" },
  cli: {
    type: "string",
    arg: "CLI",
    help:
      "what npm run synth, plan and deploy run: dkimctl (default: its own synth, plan and deploy, no cdktf CLI, every supported Node), " +
      "cdktf (cdktf-cli 0.21, Node 20 and 22 only) or cdktn (CDK Terrain's cdktn-cli, Node 22.19 or later)",
  },
  "key-zone": {
    type: "string",
    arg: "NAME",
    help: "signing-provider mode: the zone of yours that holds customers' keys; adds customers.txt and the hourly dkimctl-customers workflow",
  },
  force: {
    type: "boolean",
    help: "overwrite domains.yaml, cdktf.json and workflows that exist (package.json and .gitignore are always merged)",
  },
  help: { type: "boolean", short: "h", help: "print this help and exit" },
} as const satisfies OptionTable;

export const init: Command = {
  usage: [USAGE],
  options: OPTIONS,
  help: commandHelp(
    [USAGE],
    `Writes a project that publishes DKIM records with the installed dkimctl into DIR (default: the current directory):
domains.yaml, cdktf.json, package.json, .gitignore and the GitHub workflows in .github/workflows/.`,
    OPTIONS,
  ),
  run(args, io) {
    const { values, positionals } = parseOptions(args, parserOptions(OPTIONS), 1);
    const checked = checkInitOptions({
      provider: values.provider,
      zone: values.zone,
      keyStore: values["key-store"],
      ageRecipients: values["age-recipient"],
      region: values.region,
      cli: values.cli,
      keyZone: values["key-zone"],
    });
    if (!checked.ok) throw new UsageError(checked.problems.join("\nerror: "));
    const given = positionals[0];
    const force = values.force === true;
    const dir = given ?? ".";
    const info = packageInfo(packageRoot(), dir);
    const plan = planInit(dir, { options: checked.options, package: info, workflows: packagedWorkflows(), now: new Date(), force });
    const where = given === undefined ? "the current directory" : given;

    if (plan.conflicts.length && !force) {
      const them = plan.conflicts.length === 1 ? "it" : "them";
      io.err(
        `error: ${where} already has ${plan.conflicts.join(", ")}: init would overwrite ${them}; nothing was written.\n` +
          `Give --force to overwrite, or run init in an empty directory. It would write:\n${listing(plan)}`,
      );
      return 1;
    }
    writeInit(plan);
    const o = checked.options;
    io.out(`dkimctl init: ${o.provider} zone ${o.zone}, ${o.keyStore} key store, in ${where}:\n${listing(plan)}`);
    io.out(`${cliReason(o.cli, currentNode())}.\n`);
    if (info.specNote) io.out(`note: ${info.specNote}\n`);
    const cd = given === undefined || given === "." ? [] : [`cd ${shellWord(given)}`];
    const steps: [string, string][] = [
      ...cd.map((c): [string, string] => [c, ""]),
      ["npm install", "what package.json lists"],
      ["npx dkimctl keys", "keys for the selectors of domains.yaml"],
      ["npm run synth", "Terraform JSON in cdktf.out/, one stack per zone"],
      ...(DNS_PROVIDERS[o.provider].playground.can
        ? [["npx dkimctl playground -- npm run plan", "a real plan against a local AWS emulator, no account (needs moto_server)"] as [string, string]]
        : []),
    ];
    const width = Math.max(...steps.map(([s]) => s.length)) + 2;
    const lines = steps.map(([s, why]) => `  ${why ? `${s.padEnd(width)}# ${why}` : s}\n`).join("");
    io.out(`Next steps (edit domains.yaml first: your zone, domains and selectors):\n${lines}`);
    return 0;
  },
};

const VERBS: Record<PlannedFile["action"], string> = { create: "create", overwrite: "overwrite", merge: "update", unchanged: "keep" };

/** One line per file, then the notes. */
function listing(plan: InitPlan): string {
  const lines = plan.files.map((f) => {
    const kept = f.kept.length ? `; left as they are: ${f.kept.join(", ")}` : "";
    const added = f.action === "merge" ? `: add ${f.added.join(", ")}` : "";
    return `  ${VERBS[f.action].padEnd(9)} ${f.path}${added}${kept}\n`;
  });
  return lines.join("") + plan.notes.map((n) => `  note: ${n}\n`).join("");
}

/** A path as one shell word. */
function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
