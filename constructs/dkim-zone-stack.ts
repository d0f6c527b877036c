import { join, relative, resolve } from "node:path";
import type { Construct } from "constructs";
import { App, CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import type { Backend, Zone } from "../src/config/model";
import type { DesiredRecord } from "../src/records";
import { zoneConstructs } from "./providers";
import { addZoneRecords } from "./zone-records";

export interface DkimZoneStackProps {
  /** The zone the stack manages. */
  readonly zone: Zone;
  /** The zone's desired records (may be empty: the stack then removes what it had). */
  readonly records: readonly DesiredRecord[];
  /** Where the stack keeps state. @default local file terraform.<stack>.tfstate */
  readonly backend?: Backend;
  /**
   * The directory of the local state file (backend local): the project's,
   * the directory of domains.yaml. @default the working directory of synth
   */
  readonly stateDir?: string;
}

/**
 * One Terraform stack per DNS zone, so a pull request plans only the zones
 * it touches and each zone's state stays small. The zone's provider
 * (constructs/providers/<p>.ts) takes credentials from the environment the
 * standard way (docs/providers.md).
 */
export class DkimZoneStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: DkimZoneStackProps) {
    super(scope, id);
    configureBackend(this, id, props.backend ?? { kind: "local" }, props.stateDir);
    const { zone, records } = props;
    zoneConstructs(zone).addProvider(this);
    // The same records as DkimRecords makes in a stack of one's own.
    addZoneRecords(this, { zone, records });
  }
}

function configureBackend(stack: TerraformStack, stackName: string, backend: Backend, stateDir: string | undefined): void {
  switch (backend.kind) {
    case "local":
      if (stateDir !== undefined) new LocalBackend(stack, { path: localStatePath(stack, stateDir) });
      return; // else cdktf's default: terraform.<stack>.tfstate in the working directory of synth
    case "s3":
      new S3Backend(stack, {
        bucket: backend.bucket,
        region: backend.region,
        key: `${backend.keyPrefix}${stackName}.tfstate`,
        encrypt: true,
        ...(backend.dynamodbTable ? { dynamodbTable: backend.dynamodbTable } : {}),
      });
      // Terraform >= 1.10 locks with a lock object next to the state.
      if (!backend.dynamodbTable) stack.addOverride("terraform.backend.s3.use_lockfile", true);
      return;
    case "cloud":
      new CloudBackend(stack, {
        organization: backend.organization,
        ...(backend.hostname ? { hostname: backend.hostname } : {}),
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix}${stackName}`),
      });
      return;
  }
}

/**
 * terraform.<stack>.tfstate in `stateDir`, as a path relative to the stack's
 * directory in the output (where Terraform runs): cdktf.out holds no path of
 * this machine, and the state stays beside domains.yaml wherever synth runs.
 */
function localStatePath(stack: TerraformStack, stateDir: string): string {
  const stackDir = resolve(App.of(stack).outdir, "stacks", stack.node.id);
  return relative(stackDir, join(resolve(stateDir), `terraform.${stack.node.id}.tfstate`));
}
