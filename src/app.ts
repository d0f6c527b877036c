/**
 * Builds the cdktf app from a config file: one DkimZoneStack per zone.
 * Pure: reads domains.yaml and dkim.lock.yaml, never a private key.
 */
import { dirname } from "node:path";
import { App } from "cdktf";
import { DkimZoneStack } from "../constructs/dkim-zone-stack";
import { loadZoneProviders } from "../constructs/providers";
import { loadConfig, stackName } from "./config/load";
import { Lock } from "./keys/lock";
import { desiredRecords } from "./records";

/**
 * Validates everything before the App exists, so invalid input writes
 * nothing to the output directory.
 */
export function buildApp(configFile: string, makeApp: () => App = () => new App()): App {
  const config = loadConfig(configFile);
  const records = desiredRecords(config, Lock.read(config.lockFile));
  // The cdktf bindings of the providers the zones use, and only those; a missing package is a problem at its zone.
  loadZoneProviders(config.zones);
  const app = makeApp();
  for (const zone of config.zones) {
    new DkimZoneStack(app, stackName(zone.name), {
      zone,
      records: records.filter((r) => r.zone === zone.name),
      backend: config.backend,
      // Local state beside domains.yaml, never where the tool is installed.
      stateDir: dirname(config.file),
    });
  }
  return app;
}
