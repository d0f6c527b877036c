/**
 * Test support: a front for moto's Route53 (./moto.ts) that applies the
 * changes to one hosted zone one after another, as Route53 does (a change
 * sent while the zone's previous one is pending is refused with
 * PriorRequestNotComplete: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html).
 * moto's server answers requests on threads, and its Zone.delete_rrset
 * rebuilds the zone's record list, so two deletes at once keep one of the
 * records: a Terraform destroy at its default parallelism left about one
 * record in twenty behind. Here a change waits its turn instead of being
 * refused (nothing in dkimctl depends on the refusal). Every request is
 * counted by its Route53 action, so a test can say what a deploy costs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The Route53 action of a request, from its method and path (https://docs.aws.amazon.com/Route53/latest/APIReference/API_Operations_Amazon_Route_53.html). */
function actionOf(method: string, path: string): { action: string; zone?: string } {
  const p = path.split("?")[0];
  const rrset = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/.exec(p);
  if (rrset) return method === "POST" ? { action: "ChangeResourceRecordSets", zone: rrset[1] } : { action: "ListResourceRecordSets" };
  if (/^\/2013-04-01\/change\/[^/]+$/.test(p)) return { action: "GetChange" };
  if (/^\/2013-04-01\/hostedzone\/[^/]+$/.test(p) && method === "GET") return { action: "GetHostedZone" };
  return { action: `${method} ${p.startsWith("/2013-04-01/") ? p.replace(/\/[A-Z0-9]{6,}(?=\/|$)/g, "/{id}") : "(other service)"}` };
}

export class Route53Queue {
  private readonly counted = new Map<string, number>();
  /** The longest a change took here, from its arrival to its answer (its wait for the zone's earlier changes included), in ms. */
  private slowest = 0;
  /** Per zone, the end of the last change sent: the next one starts after it. */
  private readonly queues = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstream: string,
  ) {}

  /** Listens on a free port of 127.0.0.1 in front of moto at `upstream` (its URL). */
  static async start(upstream: string): Promise<Route53Queue> {
    let queue: Route53Queue | undefined;
    const server = createServer((req, res) => void queue!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    queue = new Route53Queue(server, `http://127.0.0.1:${port}`, upstream);
    return queue;
  }

  /** Requests so far by Route53 action (e.g. `ChangeResourceRecordSets`). */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.counted].sort(([a], [b]) => a.localeCompare(b)));
  }

  resetCounts(): void {
    this.counted.clear();
    this.slowest = 0;
  }

  /** The longest a change took, arrival to answer, since the last reset (ms). */
  slowestChange(): number {
    return this.slowest;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const { action, zone } = actionOf(req.method ?? "GET", req.url ?? "/");
    this.counted.set(action, (this.counted.get(action) ?? 0) + 1);
    const forward = () => this.forward(req, body);
    const arrived = Date.now();
    try {
      let answer: { status: number; type: string; body: Buffer };
      if (zone === undefined) answer = await forward();
      else {
        const turn = (this.queues.get(zone) ?? Promise.resolve()).then(forward, forward);
        this.queues.set(
          zone,
          turn.catch(() => undefined),
        );
        answer = await turn;
        this.slowest = Math.max(this.slowest, Date.now() - arrived);
      }
      res.writeHead(answer.status, { "content-type": answer.type });
      res.end(answer.body);
    } catch (e) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`route53-queue: ${(e as Error).message}`);
    }
  }

  private async forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; type: string; body: Buffer }> {
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) =>
        ["host", "connection", "content-length", "transfer-encoding"].includes(k) || v === undefined ? [] : [[k, String(v)]],
      ),
    );
    const r = await fetch(`${this.upstream}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined });
    return { status: r.status, type: r.headers.get("content-type") ?? "text/xml", body: Buffer.from(await r.arrayBuffer()) };
  }
}
