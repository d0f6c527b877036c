/**
 * `dkimctl playground [-- COMMAND...]`: the project against a local AWS
 * emulator (moto), with no account: its Route53 zones created there, and a
 * shell (or COMMAND) in which `npm run plan` and `npm run deploy` reach it.
 */
import { spawn } from "node:child_process";
import { join, relative } from "node:path";
import { MotoEmulator, emulatorEnv } from "../../playground/moto";
import type { Zone } from "../../config/model";
import { PLAYGROUND_ENV, playgroundDir, playgroundZone, resetPlaygroundDir } from "../../playground/mode";
import { PROVIDERS } from "../../providers";
import type { Command } from "../command";
import { load, parse, withCommon } from "../common";
import { commandHelp } from "../help";
import { UsageError } from "../report";

const USAGE = ["  dkimctl playground [--port N] [--config FILE] [-- COMMAND [ARG...]]"];
const OPTIONS = withCommon({ port: { type: "string", arg: "N", help: "the emulator's port on 127.0.0.1 (default: a free one)" } }, { readsKeys: false });

export const playground: Command = {
  usage: USAGE,
  options: OPTIONS,
  help: commandHelp(
    USAGE,
    `Starts moto's AWS emulator (moto_server, which must be on PATH: pip install 'moto[server]') on 127.0.0.1, creates
the Route53 zones of domains.yaml in it, then runs COMMAND, or without one an interactive shell, with AWS pointed at
the emulator (dummy credentials) and $${PLAYGROUND_ENV} set: there 'npm run plan' and 'npm run deploy' plan and
deploy against the emulator. Terraform's state goes to .dkimctl-playground/ beside domains.yaml, never to the
project's backend; zone ids are the emulator's; zones of other providers are left out. The emulator keeps
everything in memory and stops with COMMAND (or the shell). Exit status: COMMAND's (or the shell's).`,
    OPTIONS,
  ),
  async run(args, io) {
    const split = args.indexOf("--");
    const ours = split === -1 ? args : args.slice(0, split);
    const command = split === -1 ? [] : args.slice(split + 1);
    const { values } = parse(ours, OPTIONS);
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535 && /^\d+$/.test(values.port ?? "")))
      throw new UsageError(`--port must be a port number (1-65535), not '${values.port}'`);
    if (split !== -1 && command.length === 0) throw new UsageError("give a command after '--', or leave '--' out for a shell");

    const { config } = load(io, values);
    const zones = config.zones.filter((z) => playgroundZone(z) !== undefined);
    const left = config.zones.filter((z) => playgroundZone(z) === undefined);
    const why = (z: Zone) => {
      const p = PROVIDERS[z.provider].playground;
      return p.can ? "" : p.why;
    };
    if (zones.length === 0) throw new Error(`${config.file} has no zone the playground can emulate: ${left.map((z) => `${z.name}: ${why(z)}`).join("; ")}`);
    const dir = playgroundDir(config);
    resetPlaygroundDir(dir);
    const moto = await MotoEmulator.start({ port, logFile: join(dir, "moto.log") });
    try {
      const ids = [];
      for (const z of zones) ids.push(`${z.name} (${await moto.createZone(z.name)})`);
      const shown = relative(process.cwd(), dir) || dir;
      io.err(
        `playground: moto's AWS emulator on ${moto.url}, with the zone${zones.length === 1 ? "" : "s"} ${ids.join(", ")}\n` +
          left.map((z) => `  left out: ${z.name} (${z.provider}): ${why(z)}\n`).join("") +
          `  Terraform state: ${shown}/ (never the project's); the emulator's log: ${shown}/moto.log\n`,
      );
      const env = { ...process.env, ...emulatorEnv(moto.url), [PLAYGROUND_ENV]: dir };
      const [file, ...rest] = command.length ? command : [shell()];
      if (command.length === 0)
        io.err("  In this shell AWS is the emulator: npm run plan, npm run deploy, then npm run plan again (no changes). 'exit' stops it.\n");
      return await runAttached(file, rest, env);
    } finally {
      moto.stop();
      await moto.exited();
    }
  },
};

/** The user's shell. */
function shell(): string {
  return process.env.SHELL || (process.platform === "win32" ? process.env.ComSpec || "cmd.exe" : "/bin/sh");
}

/** Runs `file args` on this terminal and resolves to its exit status; Ctrl-C goes to it, not to the playground. */
function runAttached(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const ignore = () => {};
    process.on("SIGINT", ignore);
    const child = spawn(file, args, { stdio: "inherit", env });
    const done = () => process.off("SIGINT", ignore);
    child.on("error", (e: NodeJS.ErrnoException) => {
      done();
      reject(e.code === "ENOENT" ? new Error(`${file}: command not found`) : e);
    });
    child.on("close", (code, signal) => {
      done();
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
