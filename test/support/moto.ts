/**
 * moto's server (`moto_server`, pip moto 5.2.1 on the machine image): an AWS
 * emulator nobody here wrote, for Route53, STS, Secrets Manager and KMS,
 * started as the playground starts it (src/playground/moto.ts), driven
 * through Route53's API as the playground drives it (src/providers/route53-emulator.ts).
 */
import { spawnSync } from "node:child_process";
import { MotoEmulator } from "../../src/playground/moto";
import { createHostedZone, emulatorEnv, route53Request, xmlTags } from "../../src/providers/route53-emulator";
import type { RecordSet } from "./route53-endpoint";

/** Throws (so the test FAILS rather than skips) unless `moto_server` is on PATH. */
export function requireMoto(): void {
  const r = spawnSync("moto_server", ["--help"], { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`moto_server is required for this test (pip install 'moto[server]==5.2.1'): ${r.error?.message ?? r.stderr}`);
}

export class MotoServer {
  private constructor(private readonly emulator: MotoEmulator) {}

  /**
   * Starts `moto_server` on a free port of 127.0.0.1 and waits until it answers. Its Python start-up
   * took 16 s on the shared 2-core machine at load 18 (30 s was too short there): the limit only ends a start that failed.
   */
  static async start(timeoutMs = 120_000): Promise<MotoServer> {
    return new MotoServer(await MotoEmulator.start({ timeoutMs }));
  }

  get url(): string {
    return this.emulator.url;
  }

  /** What the AWS provider needs to talk to this server with dummy credentials. */
  env(): Record<string, string> {
    return emulatorEnv(this.emulator.url);
  }

  /** Creates a public hosted zone; returns its id as moto issues it (no `/hostedzone/`). */
  createZone(name: string): Promise<string> {
    return createHostedZone(this.emulator.url, name);
  }

  /** The zone's record sets as moto serves them to the provider (ListResourceRecordSets, page after page). */
  async records(zoneId: string): Promise<RecordSet[]> {
    const out: RecordSet[] = [];
    let next = "";
    for (;;) {
      const xml = await route53Request(this.emulator.url, "GET", `/hostedzone/${zoneId}/rrset?maxitems=300${next}`);
      out.push(
        ...xmlTags(xml, "ResourceRecordSet").map((set) => ({
          name: xmlTags(set, "Name")[0],
          type: xmlTags(set, "Type")[0],
          ttl: Number(xmlTags(set, "TTL")[0]),
          values: xmlTags(set, "Value"),
        })),
      );
      if (xmlTags(xml, "IsTruncated")[0] !== "true") return out;
      next = `&name=${encodeURIComponent(xmlTags(xml, "NextRecordName")[0])}&type=${encodeURIComponent(xmlTags(xml, "NextRecordType")[0])}`;
    }
  }

  /** The server's log (requests and tracebacks), for a failure message. */
  logTail(chars = 4000): string {
    return this.emulator.logTail(chars);
  }

  stop(): void {
    this.emulator.stop();
  }
}
