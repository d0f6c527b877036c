/**
 * Helpers to run the real `terraform` binary in tests, offline.
 *
 * There is no network: the only provider is hashicorp/aws in a filesystem mirror
 * (env `DKIMCTL_TF_PLUGIN_MIRROR`, default `/opt/tf-plugins`). `terraformEnv()` writes a
 * CLI configuration with a `filesystem_mirror` block for it (once per process, in a temp
 * dir) and points `TF_CLI_CONFIG_FILE` at it, so `terraform init` installs from the mirror
 * (the mirror's unpacked layout is symlinked into `.terraform/`, so init takes ~2 s).
 *
 * `terraform()` is synchronous. That is safe with `Route53Endpoint`
 * (./route53-endpoint.ts) because the endpoint's HTTP server runs in a worker thread;
 * an HTTP server living on the test's own event loop would deadlock a synchronous run.
 * `terraformAsync()` does the same without blocking, to run several Terraform
 * workflows at once.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TerraformResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface TerraformOptions {
  cwd: string;
  /** Full environment for the child; defaults to `terraformEnv()`. */
  env?: NodeJS.ProcessEnv;
  /** Kill the run after this many ms (default 10 minutes). */
  timeoutMs?: number;
}

const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";
const MAX_BUFFER = 256 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

let cliConfigFile: string | undefined;

/** The provider mirror directory (`DKIMCTL_TF_PLUGIN_MIRROR`, default `/opt/tf-plugins`). */
export function pluginMirror(): string {
  return process.env.DKIMCTL_TF_PLUGIN_MIRROR || "/opt/tf-plugins";
}

/** Path of the CLI config file with the filesystem_mirror block (written on first call). */
export function terraformCliConfig(): string {
  if (cliConfigFile && fs.existsSync(cliConfigFile)) return cliConfigFile;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dkimctl-tfrc-"));
  const file = path.join(dir, "terraform.tfrc");
  const hcl = [
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(pluginMirror())}`,
    `    include = [${JSON.stringify(AWS_PROVIDER)}]`,
    "  }",
    "}",
    "",
  ].join("\n");
  fs.writeFileSync(file, hcl);
  cliConfigFile = file;
  return file;
}

/**
 * process.env plus TF_CLI_CONFIG_FILE (filesystem mirror), TF_IN_AUTOMATION=1,
 * CHECKPOINT_DISABLE=1, TF_INPUT=0 and `extra` (e.g. `Route53Endpoint.env()`).
 */
export function terraformEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: terraformCliConfig(),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_INPUT: "0",
    ...extra,
  };
}

/** Runs `terraform args...` synchronously; never throws on a non-zero exit. */
export function terraform(args: string[], opts: TerraformOptions): TerraformResult {
  const r = spawnSync("terraform", args, {
    cwd: opts.cwd,
    env: opts.env ?? terraformEnv(),
    encoding: "utf8",
    maxBuffer: MAX_BUFFER,
    timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error("terraform binary not found on PATH");
  }
  const extra = r.error ? `\n[terraform() harness: ${r.error.message}]` : "";
  return {
    status: r.status ?? (r.signal ? 128 : 1),
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + extra,
  };
}

/** Like `terraform()` but does not block the event loop. Never rejects on a non-zero exit. */
export function terraformAsync(args: string[], opts: TerraformOptions): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("terraform", args, {
      cwd: opts.cwd,
      env: opts.env ?? terraformEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += "\n[terraformAsync() harness: timed out, killing terraform]";
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/**
 * Throws (so the calling test FAILS rather than skips) unless terraform is on PATH and
 * the hashicorp/aws provider is in the filesystem mirror.
 */
export function requireTerraform(): void {
  const v = spawnSync("terraform", ["version"], { encoding: "utf8", env: terraformEnv() });
  if (v.error || v.status !== 0) {
    throw new Error(`terraform is required for this test but could not be run: ${v.error?.message ?? v.stderr}`);
  }
  const providerDir = path.join(pluginMirror(), AWS_PROVIDER);
  let found = false;
  try {
    for (const version of fs.readdirSync(providerDir)) {
      for (const platform of fs.readdirSync(path.join(providerDir, version))) {
        const files = fs.readdirSync(path.join(providerDir, version, platform));
        if (files.some((f) => f.startsWith("terraform-provider-aws"))) found = true;
      }
    }
  } catch {
    found = false;
  }
  if (!found) {
    throw new Error(
      `the hashicorp/aws provider is required for this test but was not found under ${providerDir} ` +
        "(set DKIMCTL_TF_PLUGIN_MIRROR to a filesystem mirror that has it)",
    );
  }
}
