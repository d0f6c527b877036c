/**
 * Questions asked in bulk with manners: at most `concurrency` in flight at
 * once across every caller, a SERVFAIL or a timeout asked again after a
 * growing pause (exponential back-off with jitter), a resolver without
 * EDNS(0) asked again without it, and every datagram counted.
 *
 * A SERVFAIL that persists is returned as the server's answer (the caller
 * decides what it means); a timeout that persists is returned as a failure.
 */
import type { QuestionType } from "./message";
import type { Server } from "./server";
import { DnsQueryError, query, type QueryResult } from "./transport";

export interface QueryPoolOptions {
  /** Questions in flight at once, over every server. @default 8 */
  readonly concurrency?: number;
  /** Questions sent per second at most, over every server; 0 for no limit. @default 0 */
  readonly ratePerSecond?: number;
  /** Per attempt, ms. @default 3000 */
  readonly timeoutMs?: number;
  /** How many times a SERVFAIL or a timeout is asked again. @default 2 */
  readonly retries?: number;
  /** The first pause before asking again, ms; each later pause doubles, with up to half of it added at random. @default 400 */
  readonly backoffMs?: number;
  /** Waits between tries (the clock's sleep in tests). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface AskOptions {
  /** RD: ask a resolver to recurse; false for an authoritative server. */
  readonly recursionDesired: boolean;
  /** CD: a validating resolver answers even what fails DNSSEC validation. @default false */
  readonly checkingDisabled?: boolean;
}

/** The reply to one question after the retries: a message (any RCODE), or why none came. */
export type Reply =
  | { readonly ok: true; readonly message: QueryResult }
  | { readonly ok: false; readonly code: DnsQueryError["code"]; readonly reason: string };

export const SERVFAIL = 2;
const FORMERR = 1;

export class QueryPool {
  /** Questions sent (each try counts, TCP retries of a truncated answer do not). */
  queries = 0;
  /** Of those, the ones asked again after a SERVFAIL or a timeout. */
  retried = 0;
  private active = 0;
  /** When the next question may be sent (ms, Date.now), under `ratePerSecond`. */
  private nextAt = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;

  constructor(private readonly opts: QueryPoolOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
  }

  /** Asks `server` one question, within the pool's bound, with its retries. */
  async ask(server: Server, name: string, type: QuestionType, how: AskOptions): Promise<Reply> {
    const retries = Math.max(0, this.opts.retries ?? 2);
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let pause = this.opts.backoffMs ?? 400;
    let edns = true;
    for (let attempt = 0; ; attempt++) {
      const reply = await this.once(server, name, type, how, edns);
      if (reply.ok && reply.message.rcode === FORMERR && edns) {
        edns = false; // a server without EDNS(0) (RFC 6891 7): ask again without it, at once
        attempt--;
        continue;
      }
      const again = reply.ok ? reply.message.rcode === SERVFAIL : reply.code === "ETIMEOUT";
      if (!again || attempt >= retries) return reply;
      this.retried++;
      await sleep(pause + Math.random() * (pause / 2));
      pause *= 2;
    }
  }

  private async once(server: Server, name: string, type: QuestionType, how: AskOptions, edns: boolean): Promise<Reply> {
    await this.acquire();
    try {
      await this.pace();
      this.queries++;
      const message = await query(server, name, type, {
        recursionDesired: how.recursionDesired,
        checkingDisabled: how.checkingDisabled,
        edns,
        timeoutMs: this.opts.timeoutMs ?? 3000,
        tries: 1,
      });
      return { ok: true, message };
    } catch (e) {
      if (e instanceof DnsQueryError) return { ok: false, code: e.code, reason: e.message };
      throw e;
    } finally {
      this.release();
    }
  }

  /** Waits for the question's turn under `ratePerSecond`: evenly spaced, no burst. */
  private async pace(): Promise<void> {
    const rate = this.opts.ratePerSecond ?? 0;
    if (rate <= 0) return;
    const now = Date.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / rate;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
