/** What every dkimctl command is: its usage lines, its own help, the options its parser accepts, and its run. */
import type { OptionTable } from "./help";
import type { Io } from "./io";

export interface Command {
  /** Lines of `dkimctl --help`, each starting `  dkimctl <name>`. */
  readonly usage: readonly string[];
  /** `dkimctl <name> --help` and `dkimctl help <name>`: its usage and one line per option (src/cli/help.ts). */
  readonly help: string;
  /** Every option its parser accepts, with what each does: the table the parser and the help both read. */
  readonly options: OptionTable;
  /** `dkimctl <name> <sub> ...`: commands under this one (e.g. `keys import`). */
  readonly subcommands?: Readonly<Record<string, Command>>;
  run(args: string[], io: Io): number | Promise<number>;
}
