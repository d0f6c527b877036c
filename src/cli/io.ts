/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stdout is a terminal (Terraform may colour what it prints). @default false */
  readonly outIsTTY?: boolean;
  /** stderr is a terminal: progress may redraw one line. @default false */
  readonly errIsTTY?: boolean;
  /** Report progress of long runs at all (tests that compare stderr turn it off). @default true */
  readonly progress?: boolean;
}

/**
 * Whether stdout's reader has gone (`dkimctl records | head -1`): from then on
 * output is dropped, as a Unix tool stops writing on SIGPIPE, and the command
 * still finishes with its own exit status instead of an unhandled EPIPE.
 */
let stdoutGone: boolean | undefined;

function writeOut(text: string): void {
  if (stdoutGone === undefined) {
    stdoutGone = false;
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
      stdoutGone = true;
    });
  }
  if (!stdoutGone) process.stdout.write(text);
}

export const processIo: Io = {
  out: writeOut,
  err: (t) => process.stderr.write(t),
  outIsTTY: process.stdout.isTTY === true,
  errIsTTY: process.stderr.isTTY === true,
};
