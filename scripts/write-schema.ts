// Writes domains.schema.json from the zod schema (npm run schema).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { jsonSchema } from "../src/config/schema";

export const SCHEMA_FILE = join(__dirname, "..", "domains.schema.json");
export const schemaText = (): string => `${JSON.stringify(jsonSchema(), null, 2)}\n`;

if (require.main === module) {
  writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}
