/** `dkimctl check-plan PLAN.json`: refuse a Terraform plan that would break signing. */
import { readFileSync } from "node:fs";
import { checkPlan as findProblems } from "../../plan/check-plan";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { UsageError } from "../report";

const USAGE = ["  dkimctl check-plan PLAN.json [--config FILE]"];
const OPTIONS = withCommon({}, { readsKeys: false });

export const checkPlan: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    "Reads a saved Terraform plan (terraform show -json PLANFILE > PLAN.json) and refuses the changes that would break signing\n" +
      "or that domains.yaml and dkim.lock.yaml do not explain. CI runs it between plan and apply.\n" +
      "Exit status 0 when nothing in it breaks signing, 1 when a change is refused (do not apply that plan).",
    OPTIONS,
  ),
  run(args, io) {
    const { values, positionals } = parse(args, OPTIONS, 1);
    const file = positionals[0];
    if (file === undefined) throw new UsageError("give the plan: dkimctl check-plan PLAN.json (from 'terraform show -json PLANFILE')");
    let plan: unknown;
    try {
      plan = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`cannot read ${file} as JSON (${(e as Error).message.slice(0, 120)}): make it with 'terraform show -json PLANFILE > ${file}'`);
    }
    const { config, lock } = load(io, values);
    const findings = findProblems(plan, config, lock);
    for (const f of findings) io.err(`${f.severity}: ${f.address}${f.name ? ` (${f.name})` : ""}: ${f.message}\n`);
    // One change can break signing in more than one way: count the changes.
    const errors = new Set(findings.filter((f) => f.severity === "error").map((f) => f.address)).size;
    io.out(errors ? `${file}: ${errors} change${errors === 1 ? "" : "s"} refused; do not apply this plan\n` : `${file}: ok, nothing in it breaks signing\n`);
    return errors ? 1 : 0;
  },
};
