/** Zone fields that several providers take, one description each, and the lines init writes for them. */

/** `zoneId`: the id the provider gave the zone (its description in the zone schema). */
export const ZONE_ID_FIELD = "The provider's zone id; looked up by name when absent.";

/** init's commented `zoneId` line: an example id, and where the user finds theirs. */
export function zoneIdLine(example: string, where: string): string {
  return `    # zoneId: ${example}   # optional (${where}): looked up by name when absent`;
}
