/** What every dkimctl command is: its usage lines and its run. */
import type { Io } from "./io";

export interface Command {
  /** Lines of `dkimctl --help`, each starting `  dkimctl <name>`. */
  readonly usage: readonly string[];
  /** `dkimctl <name> --help`. @default the usage lines */
  readonly help?: string;
  run(args: string[], io: Io): number | Promise<number>;
}
