/**
 * What to do when `terraform init` could not install a provider. Without
 * network Terraform installs providers only from a filesystem mirror that a
 * CLI configuration names (https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation);
 * the hint names the exact providers the stack needs, for this machine.
 */
import { existsSync, readFileSync } from "node:fs";
import { arch, platform } from "node:os";
import { join } from "node:path";

/** How Terraform 1.x says that it could not reach the registry or find a provider in a mirror. */
const INSTALL_FAILED = /Failed to (query available provider packages|install provider)|could not connect to registry\.terraform\.io/;

/** The page and section that describe the offline set-up. */
export const OFFLINE_DOCS = "docs/install.md, 'Offline and air-gapped'";

/** `registry.terraform.io/hashicorp/aws 5.100.0`, for each provider the stack's Terraform JSON requires. */
export function requiredProviders(stackDir: string): string[] {
  const file = join(stackDir, "cdk.tf.json");
  if (!existsSync(file)) return [];
  const required: Record<string, { source?: string; version?: string }> = JSON.parse(readFileSync(file, "utf8")).terraform?.required_providers ?? {};
  return Object.entries(required).map(([name, p]) => {
    const source = p.source ?? name;
    const address = source.split("/").length === 3 ? source : `registry.terraform.io/${source.includes("/") ? source : `hashicorp/${source}`}`;
    return p.version ? `${address} ${p.version}` : address;
  });
}

/** Terraform's name for this machine's platform, as a mirror's directories use it (linux_amd64). */
export function terraformPlatform(): string {
  const cpu: Record<string, string> = { x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm" };
  return `${platform() === "win32" ? "windows" : platform()}_${cpu[arch()] ?? arch()}`;
}

/** The hint for init's output, or undefined when the output is not a failure to install a provider. */
export function providerInstallHint(initOutput: string, stackDir: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!INSTALL_FAILED.test(initOutput)) return undefined;
  const providers = requiredProviders(stackDir);
  const what = providers.length ? providers.join(" and ") : "the stack's providers";
  const config = env.TF_CLI_CONFIG_FILE
    ? `the CLI configuration that TF_CLI_CONFIG_FILE names (${env.TF_CLI_CONFIG_FILE})`
    : "a CLI configuration (~/.terraformrc, or the file TF_CLI_CONFIG_FILE names)";
  return (
    `Terraform could not install ${what}. Without network, Terraform installs providers only from a filesystem mirror: ` +
    `a directory holding ${what} for ${terraformPlatform()} ('terraform providers mirror DIR' writes one on a machine with network), ` +
    `named in ${config} by provider_installation { filesystem_mirror { path = "DIR" } } (${OFFLINE_DOCS})`
  );
}
