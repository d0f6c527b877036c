/**
 * What the `yaml` package makes of a text, read as YamlSource reads it (the
 * position-keeping parse): the oracle the fast readers are held to
 * (src/config/fast-yaml.ts, src/keys/lock-text.ts).
 */
import { parseDocument } from "yaml";

/** The data of `text`, or undefined when `yaml` finds an error, a duplicate key or an alias to no anchor (a fast read must decline those). */
export function yamlData(text: string): { data: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length) return undefined;
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return undefined;
  }
}
