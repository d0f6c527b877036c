/**
 * Builds the cdktf app from a config file: one DkimZoneStack per zone, and
 * one per customer stack of a key zone (src/config/zone-stacks.ts).
 * Pure: reads domains.yaml and dkim.lock.yaml, never a private key.
 */
import { dirname } from "node:path";
import { App } from "cdktf";
import { DkimZoneStack } from "../constructs/dkim-zone-stack";
import { loadZoneProviders } from "../constructs/providers";
import { loadConfig } from "./config/load";
import { Lock } from "./keys/lock";
import { PLAYGROUND_ENV, playgroundZone } from "./playground/mode";
import { stackContents } from "./stacks";

/**
 * Validates everything before the App exists, so invalid input writes
 * nothing to the output directory. With `playground` (the playground's state
 * directory, $DKIMCTL_PLAYGROUND as `dkimctl playground` sets it), the stacks
 * are the emulator's: see src/playground/mode.ts.
 */
export function buildApp(configFile: string, makeApp: () => App = () => new App(), playground = process.env[PLAYGROUND_ENV] || undefined): App {
  const config = loadConfig(configFile);
  // Each zone's records, grouped in one pass over all of them.
  const stacks = stackContents(config, Lock.read(config.lockFile));
  // The cdktf bindings of the providers the zones use, and only those; a missing package is a problem at its zone.
  loadZoneProviders(config.zones);
  const app = makeApp();
  for (const { stack, zone: configured, records, backend } of stacks.values()) {
    const zone = playground === undefined ? configured : playgroundZone(configured);
    if (zone === undefined) continue;
    new DkimZoneStack(app, stack, {
      zone,
      records,
      // The playground never touches the project's state: local state in its own directory.
      backend: playground === undefined ? backend : undefined,
      // Local state beside domains.yaml, never where the tool is installed.
      stateDir: playground ?? dirname(config.file),
    });
  }
  return app;
}
