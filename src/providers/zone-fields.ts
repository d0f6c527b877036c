/** Zone fields that several providers take, as one zod piece each, and the lines init writes for them. */
import { z } from "zod";

/** `zoneId`: the id the provider gave the zone. */
export const ZONE_ID_FIELD = z.string().optional().describe("The provider's zone id; looked up by name when absent.");

/** init's commented `zoneId` line: an example id, and where the user finds theirs. */
export function zoneIdLine(example: string, where: string): string {
  return `    # zoneId: ${example}   # optional (${where}): looked up by name when absent`;
}
