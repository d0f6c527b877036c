/**
 * Which CLI a project's `npm run synth | plan | deploy` run, and on which
 * Node each can run. dkimctl's own synth, plan and deploy run the app and
 * Terraform directly (no cdktf CLI: every supported Node, no native module,
 * no provider-lock step that needs the registry, the smallest install).
 * cdktf-cli 0.21 loads a native terminal module, @cdktf/node-pty-prebuilt-multiarch
 * 0.10.2, built for Node ABIs up to 127 (Node 22) only, and cdktf is archived;
 * CDK Terrain's cdktn-cli needs Node 22.19 or later and the project on cdktn.
 */
export const CLI_CHOICES = ["dkimctl", "cdktf", "cdktn"] as const;
export type CliChoice = (typeof CLI_CHOICES)[number];

/** CDK Terrain, cdktf's continuation (docs/cdk-terrain.md): the library, its CLI, and the constructs and Node they need. */
export const CDK_TERRAIN = { cdktn: "0.24.0", cli: "0.24.0", constructs: "10.6.0", node: "22.19.0" } as const;

/** The highest Node ABI (process.versions.modules) that cdktf-cli 0.21's terminal module has a build for: Node 22. */
export const CDKTF_CLI_MAX_ABI = 127;

/** The Node a choice is checked against. */
export interface NodeRuntime {
  /** e.g. 24.22.3 */
  readonly version: string;
  /** process.versions.modules */
  readonly abi: number;
}

export function currentNode(): NodeRuntime {
  return { version: process.versions.node, abi: Number(process.versions.modules) };
}

const atLeast = (version: string, min: string): boolean => {
  const [a, b] = [version, min].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
};

/** Why `cli` cannot run on `node` (and what to choose instead), or undefined. */
export function cliProblem(cli: CliChoice, node: NodeRuntime): string | undefined {
  if (cli === "cdktf" && node.abi > CDKTF_CLI_MAX_ABI)
    return (
      `--cli cdktf: cdktf-cli 0.21 loads a native terminal module (@cdktf/node-pty-prebuilt-multiarch) that has no build for ` +
      `Node ${node.version} (ABI ${node.abi}; builds go up to Node 22), and cdktf is archived: leave --cli out (dkimctl's own synth, plan and deploy), ` +
      `or give --cli cdktn`
    );
  if (cli === "cdktn" && !atLeast(node.version, CDK_TERRAIN.node))
    return (
      `--cli cdktn: cdktn-cli ${CDK_TERRAIN.cli} needs Node ${CDK_TERRAIN.node} or later, and this is Node ${node.version}: ` +
      "leave --cli out (dkimctl's own synth, plan and deploy)"
    );
  return undefined;
}

/** One line for people: what `npm run synth | plan | deploy` run, and why. */
export function cliReason(cli: CliChoice, node: NodeRuntime): string {
  switch (cli) {
    case "dkimctl":
      return (
        `npm run synth | plan | deploy run dkimctl synth | plan | deploy: the app and Terraform directly, no cdktf CLI, ` +
        `so they work on this Node (${node.version}) and every supported one, and offline with a provider mirror (--cli cdktf or cdktn for a cdktf CLI)`
      );
    case "cdktf":
      return `npm run synth | plan | deploy run cdktf-cli 0.21 (--cli cdktf): it runs on Node 20 and 22, not 24 (its terminal module has no build there)`;
    case "cdktn":
      return (
        `npm run synth | plan | deploy run CDK Terrain's cdktn-cli ${CDK_TERRAIN.cli} (--cli cdktn, Node ${CDK_TERRAIN.node} or later); ` +
        `the project uses cdktn under the name cdktf (docs/cdk-terrain.md)`
      );
  }
}

/** The scripts each choice writes. The cdktf CLIs skip their provider-lock step, which needs the registry (docs/install.md). */
export function cliScripts(cli: CliChoice): Record<string, string> {
  if (cli === "dkimctl") return { synth: "dkimctl synth", plan: "dkimctl plan", deploy: "dkimctl deploy" };
  return {
    synth: `CHECKPOINT_DISABLE=1 ${cli} synth`,
    plan: `CHECKPOINT_DISABLE=1 ${cli} diff --skip-provider-lock`,
    deploy: `CHECKPOINT_DISABLE=1 ${cli} deploy --skip-provider-lock`,
  };
}
