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
  [/^src\/(time|clock|duration|redact|map-limit|lifecycle|logical-id|command-hint)\.ts$/, 0],
  [/^src\/dns\//, 1],
  [/^src\/dkim\//, 2],
  [/^src\/spf\//, 2],
  [/^src\/dmarc\//, 2],
  [/^src\/config\//, 3],
  [/^src\/keys\//, 4],
  [/^src\/records\.ts$/, 5],
  [/^src\/(rotation|plan)\//, 6],
  [/^src\/verify\//, 6],
  [/^src\/stacks\.ts$/, 6],
  [/^src\/init\//, 6],
  [/^src\/terraform\//, 6],
  [/^src\/playground\//, 6],
  [/^constructs\//, 7],
  [/^src\/app\.ts$/, 8],
  [/^src\/cli\//, 9],
  [/^main\.ts$/, 10],
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

/** Each file's imports of the project's own files (resolved to paths) and of packages. */
const graph = new Map(
  files.map((file) => {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), "utf8"), true, false);
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
