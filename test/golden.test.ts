/**
 * Byte-identical output across the move of Route53 and Cloudflare behind the
 * provider interface: the bundled example and a richer fixture synthesize
 * (bundled app and a cdktf app of one's own), list (records, stacks),
 * validate and check a plan exactly as commit 2285d04 did
 * (test/fixtures/golden/README.md). The outputs hold no private key.
 */
import { GOLDEN_FIXTURES, goldenOutputs, readGolden } from "./support/golden";
import { ROOT } from "./support/project";

test.each(GOLDEN_FIXTURES)("%s: every output is the golden one, byte for byte", (fixture) => {
  const outputs = goldenOutputs(ROOT, fixture);
  const golden = readGolden(fixture);
  expect([...outputs.keys()].sort()).toEqual([...golden.keys()].sort());
  for (const [name, text] of outputs) {
    const want = golden.get(name)!;
    // A stack of 300 records: name the first resource that differs, not a 300 kB diff.
    if (text !== want && name.endsWith("cdk.tf.json")) expect({ name, resource: firstDifference(text, want) }).toEqual({ name, resource: undefined });
    expect({ name, text }).toEqual({ name, text: want });
  }
  const everything = [...outputs.values()].join("\n");
  expect(everything).not.toMatch(/PRIVATE KEY/);
  // Both providers, their look-ups, listing and import blocks are in the fixture's output at all.
  if (fixture === "rich")
    for (const part of ["aws_route53_record", "cloudflare_dns_record", "data.aws_route53_zone.zone", "cloudflare_zone", "dkimctl_existing", '"import"'])
      expect(everything).toContain(part);
  if (fixture === "providers3")
    for (const part of ["google_dns_record_set", "azurerm_dns_txt_record", "azurerm_dns_cname_record", "digitalocean_record", '"import"'])
      expect(everything).toContain(part);
});

/** The address and both blocks of the first resource or import block that differs between two cdk.tf.json texts. */
function firstDifference(got: string, want: string): string | undefined {
  type Stack = { resource?: Record<string, Record<string, unknown>>; import?: unknown[] };
  const [a, b] = [JSON.parse(got) as Stack, JSON.parse(want) as Stack];
  const blocks = (s: Stack) =>
    new Map([
      ...Object.entries(s.resource ?? {}).flatMap(([t, rs]) => Object.entries(rs).map(([n, r]) => [`${t}.${n}`, r] as const)),
      ...(s.import ?? []).map((x, i) => [`import[${i}]`, x] as const),
    ]);
  const [x, y] = [blocks(a), blocks(b)];
  for (const k of new Set([...x.keys(), ...y.keys()]))
    if (JSON.stringify(x.get(k)) !== JSON.stringify(y.get(k)))
      return `${k}: got ${JSON.stringify(x.get(k))?.slice(0, 300)} want ${JSON.stringify(y.get(k))?.slice(0, 300)}`;
  return undefined;
}
