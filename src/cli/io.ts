/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
