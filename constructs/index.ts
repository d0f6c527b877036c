/**
 * The constructs for a cdktf app of one's own (the package's
 * `dkimctl/constructs` entry point): DkimRecords adds the DKIM records of
 * one zone of domains.yaml to a stack.
 */
export { DkimRecords, type DkimRecordsProps } from "./dkim-records";
export { loadConfig } from "../src/config/load";
export type { Config, Zone } from "../src/config/model";
export type { DesiredRecord } from "../src/records";
export { InputError, type Problem } from "../src/config/problems";
