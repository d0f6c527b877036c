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
import { stackContents } from "./stacks";

/**
 * Validates everything before the App exists, so invalid input writes
 * nothing to the output directory.
 */
export function buildApp(configFile: string, makeApp: () => App = () => new App()): App {
  const config = loadConfig(configFile);
  const stacks = stackContents(config, Lock.read(config.lockFile));
  // The cdktf bindings of the providers the zones use, and only those; a missing package is a problem at its zone.
  loadZoneProviders(config.zones);
  const app = makeApp();
  for (const { stack, zone, records, backend } of stacks.values()) {
    new DkimZoneStack(app, stack, {
      zone,
      records,
      backend,
      // Local state beside domains.yaml, never where the tool is installed.
      stateDir: dirname(config.file),
    });
  }
  return app;
}
