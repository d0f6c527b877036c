/**
 * Builds the cdktf app from a config file: one DkimZoneStack per zone.
 * Pure: reads domains.yaml and dkim.lock.yaml, never a private key.
 */
import { App } from "cdktf";
import { DkimZoneStack } from "../constructs/dkim-zone-stack";
import { loadConfig, stackName } from "./config/load";
import { Lock } from "./keys/lock";
import { desiredRecords } from "./records";

export function buildApp(configFile: string, app: App = new App()): App {
  const config = loadConfig(configFile);
  const records = desiredRecords(config, Lock.read(config.lockFile));
  for (const zone of config.zones) {
    new DkimZoneStack(app, stackName(zone.name), {
      zone,
      records: records.filter((r) => r.zone === zone.name),
      backend: config.backend,
    });
  }
  return app;
}
