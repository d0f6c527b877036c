/**
 * Keys are made on every core and stored as they come, with progress on
 * stderr: a live line on a terminal (under a real pty), a line every few
 * seconds in a log, nothing with --quiet.
 */
import { spawnSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import type { Clock } from "../src/clock";
import { progress } from "../src/cli/progress";
import { ROOT, tempProject } from "./support/project";

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return { now: () => new Date(now), sleep: async () => {}, advance: (ms) => void (now += ms) };
}

function capture(errIsTTY: boolean) {
  let err = "";
  return { io: { out: () => {}, err: (t: string) => void (err += t), errIsTTY }, text: () => err };
}

test("in a log: a line every 5 s with the time left, nothing for a short run", () => {
  const clock = fakeClock();
  const { io, text } = capture(false);
  const p = progress(io, { what: "keys", clock });
  for (let done = 1; done <= 1000; done++) {
    clock.advance(12); // 12 s in all
    p(done, 1000);
  }
  p.end();
  expect(text().split("\n").filter(Boolean)).toEqual(["417/1000 keys, 7s left", "834/1000 keys, 2s left"]);
  const quick = capture(false);
  const q = progress(quick.io, { what: "keys", clock });
  q(1, 2);
  q(2, 2);
  q.end();
  expect(quick.text()).toBe("");
});

test("on a terminal: one line redrawn at most every 100 ms, ended with a newline; --quiet says nothing", () => {
  const clock = fakeClock();
  const { io, text } = capture(true);
  const p = progress(io, { what: "keys", clock });
  for (let done = 1; done <= 10; done++) {
    clock.advance(40);
    p(done, 10);
  }
  p.end();
  // 40 ms a key: drawn at keys 1, 4 and 7 (100 ms apart), and always at the end; time left rounds up to seconds.
  expect(text()).toBe("\r\x1b[K1/10 keys, 1s left\r\x1b[K4/10 keys, 1s left\r\x1b[K7/10 keys, 1s left\r\x1b[K10/10 keys, done in 1s\n");
  const quiet = capture(true);
  const q = progress(quiet.io, { what: "keys", clock, quiet: true });
  q(1, 1);
  q.end();
  expect(quiet.text()).toBe("");
});

/** Runs the real bin under a pseudo-terminal (util-linux script), as a person at a terminal does. */
function underPty(args: string[]): string {
  const cmd = [process.execPath, join(ROOT, "bin", "dkimctl.js"), ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", env: { ...process.env, TERM: "xterm" } });
  expect(r.status).toBe(0);
  return r.stdout;
}

test("a real terminal shows the live line; --quiet and a pipe do not; the keys are whole and of their size", () => {
  const yaml = (n: number) =>
    "version: 1\nzones:\n  example.com: { provider: route53 }\ndomains:\n  example.com:\n    selectors:\n" +
    `${Array.from({ length: n }, (_, i) => `      s${i}: { key: ${i % 2 ? "ed25519" : "rsa-2048"} }`).join("\n")}\n`;
  const p = tempProject(yaml(8));
  expect(underPty(["keys", "--config", p.config])).toMatch(/\r\x1b\[K8\/8 keys, done in \d+\w*\r?\n/);
  const lock = parse(readFileSync(p.lock, "utf8")).keys["example.com"];
  for (let i = 0; i < 8; i += 2)
    expect(createPublicKey({ key: Buffer.from(lock[`s${i}`].publicKey, "base64"), format: "der", type: "spki" }).asymmetricKeyDetails?.modulusLength).toBe(
      2048,
    );
  const q = tempProject(yaml(4));
  expect(underPty(["keys", "--quiet", "--config", q.config])).not.toMatch(/keys, /);
  // Through a pipe (a log), a run shorter than 5 s says nothing: Ed25519 keys only, so it is short even on a busy machine.
  const edOnly = tempProject(yaml(4).replace(/rsa-2048/g, "ed25519")).config;
  const piped = spawnSync(process.execPath, [join(ROOT, "bin", "dkimctl.js"), "keys", "--config", edOnly], { encoding: "utf8" });
  // (It says only which config and key store it read.)
  expect(piped.stderr).toBe(`config: ${edOnly} · keys: local ${join(dirname(edOnly), ".dkim", "keys")}\n`);
});
