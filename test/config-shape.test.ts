/**
 * The generated shape check (src/config/config-shape.generated.ts, compiled
 * by ajv from the zod schema's JSON Schema) gives zod's answer: data it takes
 * must be data zod takes (else a problem would go unreported), and data it
 * refuses is data zod refuses (else a valid file would pay for loading zod).
 * Checked over data generated from the schema itself, each value sometimes
 * replaced by one of the wrong kind or just outside a bound, at every depth.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { load } from "js-yaml";
import { isPlainData, shapeIssues } from "../src/config/config-shape";
import { validate } from "../src/config/config-shape.generated";
import { configJsonSchema, configSchema } from "../src/config/schema";
import { ROOT } from "./support/project";

type JsonSchema = { readonly [k: string]: unknown };

const zodSays = (data: unknown) => configSchema.safeParse(data).success;
const agrees = (data: unknown) => expect({ data, generated: validate(data) }).toEqual({ data, generated: zodSays(data) });

/** Values of every kind, the edges of the schema's bounds among them: what a wrong value is drawn from. */
const ODD = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  1,
  1.5,
  100,
  101,
  2147483647,
  2147483648,
  2 ** 53,
  NaN,
  Infinity,
  -Infinity,
  "",
  "x",
  "90d",
  "1",
  "rsa-2048",
  "route53",
  "cname",
  [],
  ["x"],
  [1],
  {},
  { x: 1 },
];
const odd = fc.constantFrom(...ODD);
/** Strings for a pattern (durations are the schema's only one): valid, and near misses. */
const DURATIONS = ["90s", "15m", "12h", "3d", "2w", "1w2d", "0s", "1w2d3h4m5s"];
const NOT_DURATIONS = ["1234567d", "d", "", "3 d", "3D", "1w1w", "+3d", "3d\n", "2d1w"];

/** Data for `schema`: a valid value of it, or (1 time in `wrongOneIn`) a value from ODD. */
function arb(schema: JsonSchema, depth: number, wrongOneIn: number): fc.Arbitrary<unknown> {
  const valid = validArb(schema, depth, wrongOneIn);
  return wrongOneIn === 0 ? valid : fc.oneof({ weight: wrongOneIn - 1, arbitrary: valid }, { weight: 1, arbitrary: odd });
}

function validArb(s: JsonSchema, depth: number, wrongOneIn: number): fc.Arbitrary<unknown> {
  /** Values just outside what `s` allows, where wrong values are placed. */
  const nearMisses = (...values: unknown[]) => (wrongOneIn === 0 || values.length === 0 ? [] : [fc.constantFrom(...values)]);
  const sub = (x: unknown) => arb(x as JsonSchema, depth + 1, wrongOneIn);
  if (s.anyOf) return fc.oneof(...(s.anyOf as JsonSchema[]).map(sub));
  if ("const" in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...(s.enum as unknown[]));
  switch (s.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer": {
      const [min, max] = [(s.minimum as number) ?? -5, Math.min((s.maximum as number) ?? 2 ** 31, 2 ** 31)];
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max), ...nearMisses(min - 1, max + 1, min + 0.5));
    }
    case "number":
      return fc.double();
    case "string": {
      if (s.pattern) return fc.oneof(fc.constantFrom(...DURATIONS), ...nearMisses(...NOT_DURATIONS));
      const shortest = (s.minLength as number) ?? 0;
      return fc.oneof(
        fc.string({ minLength: shortest, maxLength: 4 }),
        fc.constantFrom("example.com", "Z0123456789ABCDEFGHIJ"),
        ...nearMisses("".padEnd(shortest - 1, "x")),
      );
    }
    case "array":
      return fc.array(sub(s.items), { maxLength: depth > 4 ? 1 : 3 });
    case "object": {
      const props = Object.entries((s.properties ?? {}) as Record<string, JsonSchema>);
      const required = new Set((s.required ?? []) as string[]);
      // Each property: left out (more often where optional), or present with a value.
      const fields = props.map(([k, v]) =>
        fc.option(
          sub(v).map((x) => [k, x] as const),
          { freq: required.has(k) ? 12 : depth > 3 ? 2 : 4, nil: undefined },
        ),
      );
      const extra =
        s.additionalProperties === false && wrongOneIn > 0
          ? fc.option(fc.constantFrom("colour", "selector", "keys", "ttl", "zone"), { freq: 6, nil: undefined }).map((k) => (k ? [[k, 1] as const] : []))
          : typeof s.additionalProperties === "object"
            ? fc.array(fc.tuple(fc.constantFrom("example.com", "a.example", "s1", "esp1", "x"), sub(s.additionalProperties)), {
                maxLength: depth > 3 ? 1 : 3,
              })
            : fc.constant([]);
      return fc.tuple(fc.tuple(...fields), extra).map(([present, more]) => Object.fromEntries([...present.filter((f) => f !== undefined), ...more]));
    }
  }
  throw new Error(`the test does not know schema ${JSON.stringify(s).slice(0, 120)}: teach validArb the keyword`);
}

const schema = configJsonSchema();

/** Every path into `data` (keys and indexes), the empty path of the whole first. */
function paths(data: unknown, at: (string | number)[] = []): (string | number)[][] {
  const inner = Array.isArray(data)
    ? data.flatMap((v, i) => paths(v, [...at, i]))
    : typeof data === "object" && data !== null
      ? Object.entries(data).flatMap(([k, v]) => paths(v, [...at, k]))
      : [];
  return [at, ...inner];
}

/** `data` with the value at `path` replaced by `value`, or, for ADD_FIELD, with a field no schema has added to the mapping there. */
const ADD_FIELD = Symbol("add a field");
function changed(data: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  if (path.length === 0) return value === ADD_FIELD ? copy : value;
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value !== ADD_FIELD) parent[last] = value;
  else if (typeof parent[last] === "object" && parent[last] !== null && !Array.isArray(parent[last])) (parent[last] as Record<string, unknown>).colour = "blue";
  return copy;
}

/** Values just outside the schema's bounds and patterns, beside ODD. */
const NEAR = [-1, 0, 101, 2147483648, 2 ** 53, 0.5, "", "1234567d", "3D", "2d1w", "rsa-2049", "Route53", "CNAME", null, ADD_FIELD];

test("a valid document with one value made wrong, at any depth: the generated check says what zod says", () => {
  const doc = arb(schema, 0, 0).filter(zodSays);
  fc.assert(
    fc.property(doc, fc.nat(), fc.constantFrom(...ODD, ...NEAR), (data, i, value) => {
      const all = paths(data);
      agrees(changed(data, all[i % all.length], value));
    }),
    { numRuns: 2500 },
  );
});

test("data generated from the schema, with wrong values at every depth: the generated check says what zod says", () => {
  fc.assert(fc.property(arb(schema, 0, 8), agrees), { numRuns: 3000 });
});

test("data generated from the schema with no wrong value placed: the generated check says what zod says (most of it valid)", () => {
  let valid = 0;
  fc.assert(
    fc.property(arb(schema, 0, 0), (data) => {
      agrees(data);
      if (zodSays(data)) valid++;
    }),
    { numRuns: 1000 },
  );
  // Enough of it valid that the check is held to zod on files that pass too.
  expect(valid).toBeGreaterThan(100);
});

test("wrong values at the top: the generated check says what zod says", () => {
  for (const data of [...ODD, { version: 1 }, { version: 1, zones: {} }, { version: "1", zones: {} }, { version: 1, zones: {}, domains: null }]) agrees(data);
});

test("the bundled example and the golden projects have the shape by the generated check alone (zod is not asked)", () => {
  const files = [join(ROOT, "domains.yaml"), ...["example", "providers3", "rich"].map((p) => join(ROOT, "test", "fixtures", "golden", p, "domains.yaml"))];
  for (const file of files) {
    const data = load(readFileSync(file, "utf8"));
    expect({ file, generated: validate(data) }).toEqual({ file, generated: true });
    agrees(data);
  }
});

test("what a YAML tag makes (a Set, a Map, a Date) is left to zod, which refuses it where a mapping or a string goes", () => {
  const zones = { "example.com": { provider: "route53" } };
  for (const odd of [new Set(), new Map(), new Date(0), new Uint8Array(1)]) {
    for (const data of [
      { version: 1, zones, domains: { "example.com": { selectors: odd } } },
      { version: 1, zones, domains: { "example.com": { selectors: { s1: { txt: odd } } } } },
    ]) {
      expect(isPlainData(data)).toBe(false);
      expect(shapeIssues(data).length).toBeGreaterThan(0);
      expect(zodSays(data)).toBe(false);
    }
  }
  expect(isPlainData({ version: 1, zones, domains: { "example.com": { selectors: { s1: null, s2: { ttl: 60 } } } } })).toBe(true);
});
