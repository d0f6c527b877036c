/**
 * Running the app and Terraform as child processes: their output passed on
 * as it comes (or kept, to show only on failure), stdin left to the child
 * where it may ask (terraform apply's approval).
 */
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";

export interface ChildOutput {
  out(text: string): void;
  err(text: string): void;
}

export interface ChildOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Run `command` with the shell (cdktf.json's app is a shell command). */
  readonly shell?: boolean;
  /** Where stdout and stderr go as they come; without it they are only kept. */
  readonly to?: ChildOutput;
  /** inherit: the child reads this process's stdin. @default "ignore" */
  readonly stdin?: "inherit" | "ignore";
  /** inherit: the child runs on this terminal (stdin, stdout and stderr), its output neither passed nor kept (a shell). */
  readonly stdio?: "inherit";
}

export interface ChildResult {
  /** The exit status; not 0 when the child was killed by a signal. */
  readonly code: number;
  /** stdout and stderr together, in the order they came. */
  readonly output: string;
}

/**
 * Runs `command args...`; rejects only when it cannot be started (e.g.
 * ENOENT: not on PATH). While it runs, Ctrl-C is the child's to handle
 * (Terraform stops cleanly, saving its state): this process keeps passing
 * its output on until it ends, rather than dying and breaking its pipes.
 */
export function runChild(command: string, args: readonly string[], opts: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const ignore = () => {};
    process.on("SIGINT", ignore);
    const done = () => process.off("SIGINT", ignore);
    const stdio: StdioOptions = opts.stdio === "inherit" ? "inherit" : [opts.stdin ?? "ignore", "pipe", "pipe"];
    const child: ChildProcess = spawn(command, [...args], { cwd: opts.cwd, env: opts.env, shell: opts.shell ?? false, stdio });
    let output = "";
    const pass = (stream: "out" | "err") => (chunk: string) => {
      output += chunk;
      opts.to?.[stream](chunk);
    };
    child.stdout?.setEncoding("utf8").on("data", pass("out"));
    child.stderr?.setEncoding("utf8").on("data", pass("err"));
    child.on("error", (e) => {
      done();
      reject(e);
    });
    child.on("close", (code, signal) => {
      done();
      resolve({ code: code ?? (signal ? 129 : 1), output });
    });
  });
}
