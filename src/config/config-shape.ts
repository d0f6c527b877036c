/**
 * domains.yaml's shape check (the zod schema in schema.ts) without loading
 * zod where the file has the shape: zod's modules take about 100 ms of CPU
 * to load, a quarter of `dkimctl validate`. `npm run schema` compiles the
 * schema's JSON Schema into standalone code with ajv
 * (config-shape.generated.ts), which answers only whether the data has the
 * shape; data it refuses goes to zod, which says why. test/config-shape.test.ts
 * holds the two to the same answer over generated data,
 * test/support/check-config-shape.js over every domains.yaml of a test run
 * (docs/development.md), and test/schema.test.ts keeps the generated code current.
 */
import type { z } from "zod";
import { DOMAIN_FIELDS, validate } from "./config-shape.generated";
import { isMapping } from "./yaml-source";

export { DOMAIN_FIELDS };

/** schema.ts, and with it zod, loaded on first use. */
const schema = () => require("./schema") as typeof import("./schema");

/**
 * Whether `data` is plain data: mappings, lists, strings, numbers, booleans
 * and nulls. What a YAML tag makes (a Set, a Map, a Date, bytes) is not, and
 * is left to zod: JSON Schema, and so the generated check, takes a Set for an
 * empty mapping, where zod's records want plain objects.
 */
export function isPlainData(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return true;
  if (Array.isArray(v)) return v.every(isPlainData);
  if (!isMapping(v)) return false;
  for (const k in v) if (!isPlainData(v[k])) return false;
  return true;
}

/** Why `data` does not have domains.yaml's shape, as zod says it (with each value found, `input`); none when it has. */
export function shapeIssues(data: unknown): readonly z.core.$ZodIssue[] {
  if (validate(data) === true && isPlainData(data)) return [];
  const parsed = schema().configSchema.safeParse(data, { reportInput: true });
  return parsed.success ? [] : parsed.error.issues;
}

/** Field names of the object schema reached by `path` (records skip a key), for "did you mean". */
export function knownFields(path: readonly (string | number)[]): string[] {
  return schema().knownFields(path);
}
