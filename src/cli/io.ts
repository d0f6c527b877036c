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

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  outIsTTY: process.stdout.isTTY === true,
  errIsTTY: process.stderr.isTTY === true,
};
