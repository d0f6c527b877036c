/**
 * Byte-identical output across the move of Route53 and Cloudflare behind the
 * provider interface: the bundled example and a richer fixture synthesize
 * (bundled app and a cdktf app of one's own), list (records, stacks),
 * validate and check a plan exactly as commit 2285d04 did
 * (test/fixtures/golden/README.md). The outputs hold no private key.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GOLDEN_DIR, GOLDEN_FIXTURES, goldenOutputs } from "./support/golden";
import { ROOT } from "./support/project";

test.each(GOLDEN_FIXTURES)("%s: every output is the golden one, byte for byte", (fixture) => {
  const outputs = goldenOutputs(ROOT, fixture);
  const golden = join(GOLDEN_DIR, fixture, "out");
  expect([...outputs.keys()].sort()).toEqual(readdirSync(golden).sort());
  for (const [name, text] of outputs) expect({ name, text }).toEqual({ name, text: readFileSync(join(golden, name), "utf8") });
  const everything = [...outputs.values()].join("\n");
  expect(everything).not.toMatch(/PRIVATE KEY/);
  // Both providers, their look-ups, listing and import blocks are in the fixture's output at all.
  if (fixture === "rich")
    for (const part of ["aws_route53_record", "cloudflare_dns_record", "data.aws_route53_zone.zone", "cloudflare_zone", "dkimctl_existing", '"import"'])
      expect(everything).toContain(part);
});
