/**
 * The playground: the project planned and deployed against a local
 * emulator, with state of its own. `dkimctl playground` sets PLAYGROUND_ENV
 * for what it runs; the app then writes the stack of every zone whose
 * provider has an emulator with local state
 * in that directory (never the project's backend), and zones looked up by
 * name in the emulator (its zone ids are its own). A provider without an
 * emulator (its `playground` capability) has its zones left out.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config, Zone } from "../config/model";
import { PROVIDERS } from "../providers";

/** Set to the playground's state directory: the app synthesizes for the playground. */
export const PLAYGROUND_ENV = "DKIMCTL_PLAYGROUND";

/** The playground's directory, beside domains.yaml (init's .gitignore lists it). */
export const PLAYGROUND_DIR = ".dkimctl-playground";

/**
 * Terraform's per-directory data (the backend it was initialized with, its providers) in the playground, relative to
 * each stack's directory: apart from `.terraform/`, so that neither the playground's `terraform init` nor the next real
 * one finds the other's backend and asks to migrate state
 * (https://developer.hashicorp.com/terraform/cli/config/environment-variables#tf_data_dir).
 */
export const PLAYGROUND_TF_DATA_DIR = ".terraform-playground";

/** The first line of the file that marks the directory as the playground's own. */
const MARK_FILE = "ABOUT.txt";
const MARK = "Written by dkimctl playground.";

/** The zone as the app writes it for the playground (no zone id: looked up by name), or undefined when its provider has no emulator. */
export function playgroundZone(zone: Zone): Zone | undefined {
  if (!PROVIDERS[zone.provider].playground.can) return undefined;
  const { zoneId: _, ...byName } = zone;
  return byName;
}

/** The playground's directory for a config, absolute. */
export function playgroundDir(config: Config): string {
  return join(dirname(resolve(config.file)), PLAYGROUND_DIR);
}

/**
 * Makes the playground's directory, or empties the state an earlier
 * playground left there (its emulator, and so its zones, are gone). Throws
 * when the directory exists without the playground's mark: it is not ours to empty.
 */
export function resetPlaygroundDir(dir: string): void {
  const mark = join(dir, MARK_FILE);
  if (existsSync(dir)) {
    if (!existsSync(mark) || !readFileSync(mark, "utf8").startsWith(MARK))
      throw new Error(`${dir} exists and was not made by dkimctl playground (no ${MARK_FILE} of its own): move it away, then run the playground again`);
    for (const f of readdirSync(dir)) if (/^terraform\..*\.tfstate(\.backup)?$/.test(f)) rmSync(join(dir, f));
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    mark,
    `${MARK}\nTerraform state of the zones in the local emulator: never a real zone's. The next playground empties it; delete it when you like.\n`,
  );
}
