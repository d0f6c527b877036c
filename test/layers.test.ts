/**
 * The import graph: layers import only downward, and nothing imports in a
 * circle. Read from the sources with TypeScript's own pre-processor.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { ROOT } from "./support/project";

/** Layers from the bottom: a file imports from lower layers and from its own group only. */
const LAYERS: [group: RegExp, rank: number][] = [
  [/^src\/(time|clock|duration|redact|map-limit|read-capped|read-utf8|lifecycle|command-hint|tag-list|word-list)\.ts$/, 0],
  [/^src\/dns\//, 1],
  // Resource names from what a record is (src/dns/names.ts).
  [/^src\/logical-id\.ts$/, 2],
  [/^src\/dkim\//, 2],
  [/^src\/spf\//, 2],
  [/^src\/dmarc\//, 2],
  // What dkimctl knows of each DNS provider without cdktf: config builds its zone schema and checks from it.
  [/^src\/providers\//, 3],
  [/^src\/config\//, 4],
  [/^src\/keys\//, 5],
  [/^src\/customers\//, 5.5],
  [/^src\/records\.ts$/, 6],
  // Customers' delegations checked in DNS, the signing gate and its status file.
  [/^src\/delegation\//, 6],
  [/^src\/(rotation|plan)\//, 7],
  [/^src\/verify\//, 7],
  [/^src\/stacks\.ts$/, 7],
  [/^src\/init\//, 7],
  [/^src\/terraform\//, 7],
  [/^src\/playground\//, 7],
  // Each provider's cdktf resources, below the constructs that add a zone's records through them.
  [/^constructs\/providers\//, 8],
  [/^constructs\//, 9],
  [/^src\/app\.ts$/, 10],
  [/^src\/cli\//, 11],
  [/^main\.ts$/, 12],
];

function layerOf(file: string): { group: string; rank: number } {
  for (const [re, rank] of LAYERS) if (re.test(file)) return { group: re.source, rank };
  throw new Error(`${file} is in no layer: add it to LAYERS in test/layers.test.ts`);
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

const files = [...sources("src"), ...sources("constructs"), "main.ts"];

/** Each file's text, and its imports of the project's own files (resolved to paths) and of packages. */
const text = new Map(files.map((file) => [file, readFileSync(join(ROOT, file), "utf8")]));
const graph = new Map(
  files.map((file) => {
    const info = ts.preProcessFile(text.get(file)!, true, false);
    const own: string[] = [];
    const packages: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) packages.push(fileName);
      else {
        const target = relative(ROOT, resolve(ROOT, dirname(file), fileName));
        own.push(files.includes(`${target}.ts`) ? `${target}.ts` : join(target, "index.ts"));
      }
    }
    return [file, { own, packages }] as const;
  }),
);

test("every layer imports only from the layers below it and its own group", () => {
  const upward: string[] = [];
  for (const [file, { own }] of graph) {
    const from = layerOf(file);
    for (const target of own) {
      const to = layerOf(target);
      if (to.group !== from.group && to.rank >= from.rank) upward.push(`${file} -> ${target}`);
    }
  }
  expect(upward).toEqual([]);
});

test("no import cycles", () => {
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "visiting");
    for (const target of graph.get(file)?.own ?? []) visit(target, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  expect(cycles).toEqual([]);
});

test("cdktf and the providers are imported only by the constructs and the app", () => {
  const outside = [...graph]
    .filter(([file, { packages }]) => packages.some((p) => /^(cdktf|constructs|@cdktf\/)/.test(p)) && !/^(constructs\/|src\/app\.ts$|main\.ts$)/.test(file))
    .map(([file]) => file);
  expect(outside).toEqual([]);
});

test("provider packages are imported deeply, never through their 4-second barrel", () => {
  const barrels = [...graph].flatMap(([file, { packages }]) => packages.filter((p) => /^@cdktf\/provider-[a-z]+$/.test(p)).map((p) => `${file}: ${p}`));
  expect(barrels).toEqual([]);
});

/** The providers' folders: everything that names a DNS provider lives there. */
const PROVIDER_FOLDERS = /^(src|constructs)\/providers\//;

test("no file outside the providers' folders names a provider or imports its bindings", () => {
  // Names (code, messages and comments alike), Terraform resource types, and the providers' packages.
  // "Google" alone also names Google Public DNS, a resolver (src/delegation/check.ts); the provider is Google Cloud DNS.
  const naming = [/route53|cloudflare|google cloud|cloud dns|azure|digitalocean|@cdktf\/provider-/i, /\b(aws|azurerm|google)_[a-z]/];
  // Generated code (from the schema, which takes the providers' names from their folders) is left out: its source is checked here.
  const outside = files
    .filter((file) => !PROVIDER_FOLDERS.test(file) && !file.endsWith(".generated.ts"))
    .flatMap((file) =>
      text
        .get(file)!
        .split("\n")
        .flatMap((line, i) => (naming.some((re) => re.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
  expect(outside).toEqual([]);
});

/** The modules a file loads when it is loaded: its top-level imports and re-exports that are not type-only. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, text.get(file)!, ts.ScriptTarget.Latest);
  return source.statements.flatMap((s) => {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly && ts.isStringLiteral(s.moduleSpecifier)) return [s.moduleSpecifier.text];
    if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) return [s.moduleSpecifier.text];
    return [];
  });
}

test("provider bindings are imported only in constructs/providers/<p>.ts, which only the registry loads, inside a function", () => {
  const bindings = [...graph].filter(([, { packages }]) => packages.some((p) => p.startsWith("@cdktf/provider-"))).map(([file]) => file);
  expect(bindings.length).toBeGreaterThan(0);
  expect(bindings.filter((file) => !/^constructs\/providers\/(?!index\.ts$|provider\.ts$)[^/]+\.ts$/.test(file))).toEqual([]);
  // A static import of a provider's module would load its bindings whenever the importer loads, used or not.
  const eager = files.flatMap((file) =>
    staticImports(file)
      .filter((m) => m.startsWith("."))
      .map((m) => relative(ROOT, resolve(ROOT, dirname(file), m)))
      .filter((target) => bindings.includes(`${target}.ts`))
      .map((target) => `${file} -> ${target}`),
  );
  expect(eager).toEqual([]);
  const registry = text.get("constructs/providers/index.ts")!;
  for (const file of bindings) expect(registry).toContain(`require("./${file.replace(/^constructs\/providers\/|\.ts$/g, "")}")`);
});
