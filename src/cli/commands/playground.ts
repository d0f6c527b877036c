/**
 * `dkimctl playground [-- COMMAND...]`: the project against a local
 * emulator of its DNS provider's API (moto), with no account: its zones
 * created there, and a shell (or COMMAND) in which `npm run plan` and `npm
 * run deploy` reach it. What each provider offers is its `playground`
 * capability (src/providers/).
 */
import type { Zone } from "../../config/model";
import { PLAYGROUND_ENV, PLAYGROUND_TF_DATA_DIR, playgroundDir, playgroundZone, resetPlaygroundDir } from "../../playground/mode";
import { MotoEmulator } from "../../playground/moto";
import { PROVIDERS } from "../../providers";
import { runChild } from "../../terraform/child";
import { join, relative } from "node:path";
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
there the zones of domains.yaml whose provider it emulates, then runs COMMAND, or without one an interactive shell,
with the provider pointed at the emulator (dummy credentials) and $${PLAYGROUND_ENV} set: there 'npm run plan' and
'npm run deploy' plan and deploy against the emulator. Terraform's state goes to .dkimctl-playground/ beside
domains.yaml, never to the project's backend, and its data to .terraform-playground/ in each stack (TF_DATA_DIR);
zone ids are the emulator's; zones of a provider it does not emulate are left out, each with why. The emulator
keeps everything in memory and stops with COMMAND (or the shell).
Exit status: COMMAND's (or the shell's).`,
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
    const left = config.zones.filter((z) => playgroundZone(z) === undefined);
    const why = (z: Zone) => {
      const p = PROVIDERS[z.provider].playground;
      return p.can ? "" : p.why;
    };
    const emulated = config.zones.flatMap((z) => {
      const p = PROVIDERS[z.provider].playground;
      return p.can ? [{ zone: z, playground: p }] : [];
    });
    if (emulated.length === 0) throw new Error(`${config.file} has no zone the playground can emulate: ${left.map((z) => `${z.name}: ${why(z)}`).join("; ")}`);
    const dir = playgroundDir(config);
    resetPlaygroundDir(dir);
    const moto = await MotoEmulator.start({ port, logFile: join(dir, "moto.log"), detached: true });
    // Detached, the emulator outlives a playground stopped by a signal unless it is stopped here.
    const signals = ["SIGTERM", "SIGHUP"] as const;
    const onSignal = (signal: NodeJS.Signals) => {
      moto.stop();
      process.exit(128 + (signal === "SIGHUP" ? 1 : 15));
    };
    for (const s of signals) process.on(s, onSignal);
    try {
      const ids = [];
      for (const { zone, playground } of emulated) ids.push(`${zone.name} (${await playground.createZone(moto.url, zone.name)})`);
      const shown = relative(process.cwd(), dir) || dir;
      io.err(
        `playground: moto's AWS emulator on ${moto.url}, with the zone${ids.length === 1 ? "" : "s"} ${ids.join(", ")}\n` +
          left.map((z) => `  left out: ${z.name} (${z.provider}): ${why(z)}\n`).join("") +
          `  Terraform state: ${shown}/ (never the project's); the emulator's log: ${shown}/moto.log\n`,
      );
      const env = {
        ...process.env,
        ...Object.assign({}, ...emulated.map((e) => e.playground.env(moto.url))),
        [PLAYGROUND_ENV]: dir,
        TF_DATA_DIR: PLAYGROUND_TF_DATA_DIR,
      };
      const [file, ...rest] = command.length ? command : [shell()];
      if (command.length === 0)
        io.err("  In this shell the provider is the emulator: npm run plan, npm run deploy, then npm run plan again (no changes). 'exit' stops it.\n");
      try {
        return (await runChild(file, rest, { cwd: process.cwd(), env, stdio: "inherit" })).code;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`${file}: command not found`);
        throw e;
      }
    } finally {
      for (const s of signals) process.off(s, onSignal);
      moto.stop();
      await moto.exited();
    }
  },
};

/** The user's shell. */
function shell(): string {
  return process.env.SHELL || (process.platform === "win32" ? process.env.ComSpec || "cmd.exe" : "/bin/sh");
}
