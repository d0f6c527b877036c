/**
 * The cases of a slot's state that the real-server test (delegation-dns)
 * does not seed, from evidence written out here; and the query pool's
 * manners against a scripted server: retries with growing pauses on
 * SERVFAIL and timeouts, and never more questions in flight than allowed.
 */
import { classify } from "../src/delegation/classify";
import type { Evidence, Look } from "../src/delegation/evidence";
import type { SlotSpec } from "../src/delegation/slot";
import { TargetIndex } from "../src/delegation/targets";
import { generateKeyPair } from "../src/dkim/keys";
import { keyRecordValue } from "../src/dkim/record";
import { QueryPool } from "../src/dns/query-pool";
import { answerTo, RA, scriptedServer } from "./support/scripted-dns-server";

const key = () => keyRecordValue("ed25519", generateKeyPair("ed25519").publicKey);
const spec = (customer: string, slot: string, extra: Partial<SlotSpec> = {}): SlotSpec => ({
  customer,
  slot,
  name: `${slot}._domainkey.${customer}`,
  target: `${slot}.${customer}.keys.esp.example`,
  keyZone: "keys.esp.example",
  delegation: "cname",
  expected: key(),
  ...extra,
});
const look = (l: Partial<Look>): Look => ({ outcome: "answer", chain: [], loop: false, txt: [], ...l });

const old = key();
const a1 = spec("a.example", "esp1", { previous: [old] });
const a2 = spec("a.example", "esp2");
const b1 = spec("b.example", "esp1");
const t1 = spec("t.example", "esp1", { delegation: "txt" });
const index = new TargetIndex([a1, a2, b1, t1]);

const cases: [string, SlotSpec, Evidence, string, string, RegExp][] = [
  ["another customer's target", a1, { at: look({ chain: [b1.target], txt: [b1.expected] }) }, "wrong-target", "other-customer", /target of b\.example/],
  ["a name in our key zone", a1, { at: look({ chain: ["esp1.old-scheme.keys.esp.example"], outcome: "nxdomain" }) }, "wrong-target", "our-zone", /no target/],
  ["our target through another name", a1, { at: look({ chain: ["dkim.a.example", a1.target], txt: [a1.expected] }) }, "wrong-target", "indirect", /leads on/],
  ["two TXT records, one ours", a1, { at: look({ txt: [a1.expected, key()] }) }, "conflicting", "several-txt", /2 TXT records/],
  ["an old key of ours", a1, { at: look({ txt: [old] }) }, "conflicting", "old-key", /old key of ours/],
  ["a revoked key", a1, { at: look({ txt: ["v=DKIM1; k=rsa; p="] }) }, "conflicting", "revoked-key", /revoked/],
  ["not a DKIM record", a1, { at: look({ txt: ["google-site-verification=abc"] }) }, "conflicting", "not-dkim", /not a DKIM key/],
  [
    "the customer's servers disagree",
    a1,
    {
      at: look({ chain: [a1.target] }),
      disagree: [
        { server: "ns1.a.example (192.0.2.1:53)", look: look({ chain: [a1.target] }) },
        { server: "ns2.a.example (192.0.2.2:53)", look: look({ outcome: "nxdomain" }) },
      ],
    },
    "broken",
    "servers-disagree",
    /ns2\.a\.example \(192\.0\.2\.2:53\): does not exist/,
  ],
  [
    "our resolver gives no answer",
    a1,
    { at: look({ outcome: "error", reason: "no answer within 3000 ms" }), resolverFailed: true },
    "broken",
    "resolver-failed",
    /our resolver/,
  ],
  ["txt delegation: a CNAME that serves the key", t1, { at: look({ chain: [t1.target], txt: [t1.expected] }) }, "delegated", "via-cname", /serves the key/],
  ["txt delegation: a CNAME elsewhere", t1, { at: look({ chain: ["x.example.net"] }) }, "conflicting", "cname", /where the key record belongs/],
  ["txt delegation: our key and another", t1, { at: look({ txt: [key(), t1.expected] }) }, "conflicting", "several-txt", /one of them our key/],
];

test.each(cases)("%s", (_, s, ev, state, reason, detail) => {
  const r = classify(s, ev, index);
  expect([r.state, r.reason]).toEqual([state, reason]);
  expect(r.detail).toMatch(detail);
  expect(r.fix === "").toBe(state === "delegated");
  expect(r.ours).toBe(reason === "resolver-failed" ? true : undefined);
});

describe("the query pool", () => {
  test("a SERVFAIL is asked again after growing pauses, then the answer is taken; a lasting SERVFAIL is returned as it is", async () => {
    let asked = 0;
    const s = await scriptedServer((q, send) => {
      asked++;
      send(asked <= 2 ? answerTo(q, RA | 2) : answerTo(q, RA, [{ type: "TXT", data: ["ok"] }]));
    });
    try {
      const pauses: number[] = [];
      const pool = new QueryPool({ retries: 3, backoffMs: 100, sleep: async (ms) => void pauses.push(ms) });
      const reply = await pool.ask(s.server, "x.example", "TXT", { recursionDesired: true });
      expect(reply.ok && reply.message.rcode).toBe(0);
      expect([pool.queries, pool.retried, pauses.length]).toEqual([3, 2, 2]);
      expect(pauses[0]).toBeGreaterThanOrEqual(100);
      expect(pauses[0]).toBeLessThanOrEqual(150);
      expect(pauses[1]).toBeGreaterThanOrEqual(200);
      expect(pauses[1]).toBeLessThanOrEqual(300);
      asked = -100; // SERVFAIL from now on
      const lasting = await new QueryPool({ retries: 2, backoffMs: 1 }).ask(s.server, "y.example", "TXT", { recursionDesired: true });
      expect(lasting.ok && lasting.message.rcode).toBe(2);
    } finally {
      await s.close();
    }
  });

  test("a timeout is asked again; when every try times out the reply says so", async () => {
    const s = await scriptedServer(() => undefined);
    try {
      const pauses: number[] = [];
      const pool = new QueryPool({ retries: 2, backoffMs: 10, timeoutMs: 50, sleep: async (ms) => void pauses.push(ms) });
      const reply = await pool.ask(s.server, "x.example", "TXT", { recursionDesired: true });
      expect(reply).toMatchObject({ ok: false, code: "ETIMEOUT" });
      expect([pool.queries, pauses.length]).toEqual([3, 2]);
    } finally {
      await s.close();
    }
  });

  test("never more questions in flight than its concurrency, nor more a second than its rate, however many are asked at once", async () => {
    let inFlight = 0;
    let most = 0;
    const s = await scriptedServer((q, send) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        send(answerTo(q, RA, [{ type: "TXT", data: ["ok"] }]));
      }, 5);
    });
    try {
      const pool = new QueryPool({ concurrency: 4 });
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => pool.ask(s.server, `n${i}.example`, "TXT", { recursionDesired: true })));
      expect(replies.every((r) => r.ok)).toBe(true);
      expect(most).toBe(4);
      expect(pool.queries).toBe(40);
      // At 200 a second, 40 more questions are spread over at least 195 ms.
      const paced = new QueryPool({ concurrency: 40, ratePerSecond: 200 });
      const started = Date.now();
      await Promise.all(Array.from({ length: 40 }, (_, i) => paced.ask(s.server, `p${i}.example`, "TXT", { recursionDesired: true })));
      expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    } finally {
      await s.close();
    }
  });
});
