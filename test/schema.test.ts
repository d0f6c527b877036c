/** domains.schema.json and the generated shape check are generated from the zod schema and must not go stale. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SCHEMA_FILE, SHAPE_CHECK_FILE, schemaText, shapeCheckText } from "../scripts/write-schema";
import { ROOT } from "./support/project";

test("the committed domains.schema.json matches the zod schema (run 'npm run schema' after changing it)", () => {
  expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaText());
});

test("the committed src/config/config-shape.generated.ts is what ajv compiles from the zod schema now (run 'npm run schema' after changing it)", () => {
  expect(readFileSync(SHAPE_CHECK_FILE, "utf8")).toBe(shapeCheckText());
});

test("the schema describes the format: selectors take key, txt, cname, ttl, testing, note, adopt; unknown fields are refused", () => {
  const schema = JSON.parse(schemaText());
  const selector = schema.properties.domains.additionalProperties.anyOf[0].properties.selectors.additionalProperties.anyOf[0];
  expect(Object.keys(selector.properties)).toEqual(["key", "txt", "cname", "ttl", "testing", "note", "adopt"]);
  expect(selector.additionalProperties).toBe(false);
  expect(schema.required).toEqual(["version", "zones"]);
  expect(schema.anyOf).toEqual([{ required: ["domains"] }, { required: ["customers"] }]);
});

test("the example domains.yaml points editors at the schema", () => {
  expect(readFileSync(join(ROOT, "domains.yaml"), "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=./domains.schema.json");
});
