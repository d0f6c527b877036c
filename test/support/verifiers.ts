/**
 * Test support: a DKIM signer (mailauth) and two independent DKIM verifiers:
 *   - mailauth's dkimVerify (Node), with its `resolver` option
 *   - dkimpy (python3-dkim) under Debian's /usr/bin/python3 (env DKIMCTL_DEBIAN_PYTHON), dkim.DKIM#verify
 *     with a custom `dnsfunc`
 *
 * Both verifiers look keys up either in an in-memory table (`{ txt }`) or on a real DNS server
 * (`{ dns: { host, port } }`, e.g. the knotd from ./dns-server).
 *
 * Contracts worth knowing:
 *   - mailauth `resolver(name, 'TXT')` must resolve like dns.promises.resolveTxt: string[][] (one array
 *     of character-strings per record). It uses only the FIRST record, joins its strings with '' and
 *     strips whitespace. Errors with code ENOTFOUND/ENODATA mean "no key" (neutral); any other error is
 *     a temperror.
 *   - dkimpy calls `dnsfunc(name: bytes, timeout=5)`, name like b"sel._domainkey.example.com." (with the
 *     trailing dot), and expects the bytes of ONE TXT record with its character-strings concatenated
 *     (b"".join(rdata.strings)), or None / b"" when there is no record. Like dkimpy's own
 *     get_txt_dnspython, the first TXT record of the answer is used.
 *
 * A verification that cannot be performed (verifier not installed, DNS server unreachable/SERVFAIL,
 * mailauth temperror) THROWS instead of returning ok:false, so "must fail" tests cannot pass because
 * of a broken environment.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as dnsPromises } from "node:dns";
import { dkimSign, dkimVerify } from "mailauth";

export type TxtLookup =
  /** FQDN (no trailing dot, lower case) -> TXT records, each an array of character-strings. */
  | { txt: Record<string, string[][]> }
  /** A real DNS server to query. */
  | { dns: { host: string; port: number } };

export interface VerifyResult {
  ok: boolean;
  detail: string;
}

export interface VerifyOptions {
  /** Signing domain (d=) whose signature must pass. Default: the domain of the From: header. */
  domain?: string;
  /** Per-lookup DNS timeout for `{ dns }` lookups (default 5000 ms, dkimpy's own default). */
  dnsTimeoutMs?: number;
}

const CRLF = "\r\n";

function rfc5322Date(d: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return (
    `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

/** A small realistic RFC 5322 message (CRLF line endings) from alice@<domain>. */
export function sampleMessage(domain: string): string {
  return (
    [
      `From: Alice Example <alice@${domain}>`,
      "To: Bob Example <bob@example.net>",
      "Subject: Quarterly report draft",
      `Date: ${rfc5322Date(new Date())}`,
      `Message-ID: <${randomBytes(8).toString("hex")}@${domain}>`,
      "MIME-Version: 1.0",
      "Content-Type: text/plain; charset=utf-8",
      "Content-Transfer-Encoding: 7bit",
      "",
      "Hi Bob,",
      "",
      "here is the draft of the quarterly report. Numbers are still preliminary.",
      "",
      "Regards,",
      "Alice",
    ].join(CRLF) + CRLF
  );
}

export async function signMessage(opts: {
  privateKeyPem: string;
  domain: string;
  selector: string;
  algorithm: "rsa" | "ed25519";
  message?: string;
}): Promise<string> {
  const message = opts.message ?? sampleMessage(opts.domain);
  // mailauth reads the keys from `signatureData` only; its index.d.ts wrongly marks the top-level
  // signingDomain/selector/privateKey as the way to pass them (they are ignored at run time), so the
  // entry is passed both ways to satisfy the types.
  const entry = {
    signingDomain: opts.domain,
    selector: opts.selector,
    privateKey: opts.privateKeyPem,
    algorithm: opts.algorithm === "rsa" ? "rsa-sha256" : "ed25519-sha256",
    canonicalization: "relaxed/relaxed",
  };
  // One signTime: without it mailauth 4.13 computes t= twice (once for the header it signs, once for the
  // header it writes), and about one signature in a thousand straddles a half second and fails.
  const res = await dkimSign(message, { ...entry, signTime: new Date(), signatureData: [entry] });
  // res.errors holds { selector, signingDomain, err } objects, not Errors.
  const errors = (res.errors ?? []) as unknown[];
  if (errors.length > 0) {
    const msg = (e: unknown) => {
      const inner = (e as { err?: { message?: string } })?.err?.message ?? (e as { message?: string })?.message;
      return inner ?? String(e);
    };
    throw new Error(`mailauth dkimSign failed: ${errors.map(msg).join("; ")}`);
  }
  if (!/^DKIM-Signature:/i.test(res.signatures)) {
    throw new Error("mailauth dkimSign produced no DKIM-Signature header");
  }
  return res.signatures + message;
}

/** Domain of the (first) From: header address, lower case. */
export function fromDomain(message: string): string | undefined {
  const headerEnd = message.search(/\r?\n\r?\n/);
  const head = (headerEnd >= 0 ? message.slice(0, headerEnd) : message).replace(/\r?\n[ \t]+/g, " ");
  const from = /^from:(.*)$/im.exec(head);
  if (!from) return undefined;
  const angle = /<[^<>@\s]*@([^<>\s]+)>/.exec(from[1]);
  const bare = /@([A-Za-z0-9.-]+)/.exec(from[1]);
  const d = (angle?.[1] ?? bare?.[1])?.replace(/\.$/, "").toLowerCase();
  return d || undefined;
}

function targetDomain(message: string, opts?: VerifyOptions): string | undefined {
  return (opts?.domain ?? fromDomain(message))?.replace(/\.$/, "").toLowerCase();
}

const normName = (name: string) => name.replace(/\.$/, "").toLowerCase();

function dnsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// ---------------------------------------------------------------------------------------------
// mailauth
// ---------------------------------------------------------------------------------------------

function mailauthResolver(lookup: TxtLookup, timeoutMs: number): (name: string, rrtype: string) => Promise<string[][]> {
  if ("txt" in lookup) {
    return async (name, rrtype) => {
      if (rrtype.toUpperCase() !== "TXT") throw dnsError("ENODATA", `queryTxt ENODATA ${name} (${rrtype})`);
      const recs = lookup.txt[normName(name)];
      if (!recs || recs.length === 0) throw dnsError("ENOTFOUND", `queryTxt ENOTFOUND ${name}`);
      return recs.map((r) => [...r]);
    };
  }
  const { host, port } = lookup.dns;
  return async (name, rrtype) => {
    if (rrtype.toUpperCase() !== "TXT") throw dnsError("ENODATA", `queryTxt ENODATA ${name} (${rrtype})`);
    const r = new dnsPromises.Resolver({ timeout: Math.max(1, Math.floor(timeoutMs / 2)), tries: 2 });
    r.setServers([`${host}:${port}`]);
    try {
      return await r.resolveTxt(name);
    } finally {
      r.cancel();
    }
  };
}

export async function mailauthVerify(message: string, lookup: TxtLookup, opts?: VerifyOptions): Promise<VerifyResult> {
  const domain = targetDomain(message, opts);
  const res = await dkimVerify(message, { resolver: mailauthResolver(lookup, opts?.dnsTimeoutMs ?? 5000) });
  const results = res.results ?? [];
  const relevant = domain ? results.filter((r) => (r.signingDomain ?? "").toLowerCase() === domain) : results;
  const describe = (r: (typeof results)[number]) => {
    const st = r.status ?? { result: "none" };
    // At run time the result carries `algo` and `modulusLength` (index.d.ts says `algorithm`).
    const extra = r as { algo?: string; modulusLength?: number };
    const bits = extra.modulusLength ? ` (${extra.modulusLength} bits)` : "";
    return `d=${r.signingDomain} s=${r.selector} a=${extra.algo ?? r.algorithm}${bits}: ${st.result}${st.comment ? ` (${st.comment})` : ""}`;
  };
  const temp = relevant.find((r) => r.status?.result === "temperror");
  if (temp) throw new Error(`mailauth could not verify (DNS/temporary error): ${describe(temp)}`);
  if (relevant.length === 0) {
    return { ok: false, detail: `mailauth: no DKIM signature for d=${domain ?? "*"} (results: ${results.map(describe).join("; ") || "none"})` };
  }
  const ok = relevant.some((r) => r.status?.result === "pass");
  return { ok, detail: `mailauth: ${relevant.map(describe).join("; ")}` };
}

// ---------------------------------------------------------------------------------------------
// dkimpy (python3-dkim) under Debian's python
// ---------------------------------------------------------------------------------------------

export function debianPython(): string {
  return process.env.DKIMCTL_DEBIAN_PYTHON || "/usr/bin/python3";
}

const INSTALL_HINT = "apt-get install python3-dkim python3-nacl python3-dnspython";

const DKIMPY_SCRIPT = `
import base64, json, logging, sys

def emit(obj):
    sys.stdout.write(json.dumps(obj))
    sys.stdout.flush()
    sys.exit(0)

try:
    import dkim
    from dkim.util import parse_tag_value
except ImportError as e:
    emit({"infra": "python3-dkim (dkimpy) is not importable by %s: %s -- apt-get install python3-dkim" % (sys.executable, e)})

try:
    import nacl.signing  # needed by dkimpy for ed25519-sha256
    HAVE_NACL = True
except ImportError:
    HAVE_NACL = False

req = json.loads(sys.stdin.buffer.read().decode("utf-8"))
msg = base64.b64decode(req["message_b64"])
want = req.get("domain")

class InfraError(Exception):
    pass

lookups = []
if req.get("txt") is not None:
    table = req["txt"]
    def dnsfunc(name, timeout=5):
        key = name.decode("ascii", "replace").rstrip(".").lower()
        recs = table.get(key)
        lookups.append("%s -> %d record(s)" % (key, len(recs or [])))
        if not recs:
            return None
        return b"".join(s.encode("utf-8") for s in recs[0])
else:
    try:
        import dns.resolver, dns.exception
    except ImportError as e:
        emit({"infra": "dnspython is not importable by %s: %s -- apt-get install python3-dnspython" % (sys.executable, e)})
    host, port = req["dns"]["host"], int(req["dns"]["port"])
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = port
    resolver.cache = None
    def dnsfunc(name, timeout=5):
        qname = name.decode("ascii")
        try:
            ans = resolver.resolve(qname, "TXT", raise_on_no_answer=False, lifetime=timeout)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            lookups.append("%s -> none" % qname)
            return None
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as e:
            raise InfraError("DNS query %s TXT at %s:%d failed: %s" % (qname, host, port, e))
        if ans.rrset is None or len(ans.rrset) == 0:
            lookups.append("%s -> none" % qname)
            return None
        lookups.append("%s -> %d record(s)" % (qname, len(ans.rrset)))
        return b"".join(list(ans.rrset)[0].strings)  # same as dkimpy's get_txt_dnspython

logs = []
class Collect(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.INFO:
            logs.append("%s: %s" % (record.levelname, record.getMessage()))
logger = logging.getLogger("dkimctl-dkimpy")
logger.propagate = False
logger.setLevel(logging.DEBUG)
logger.addHandler(Collect())

try:
    d = dkim.DKIM(msg, logger=logger, minkey=1024, timeout=float(req.get("timeout", 5)))
    sigheaders = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    sigs = []
    for idx, value in enumerate(sigheaders):
        try:
            tags = parse_tag_value(value)
        except Exception as e:
            tags = {}
        dom = tags.get(b"d", b"").decode("ascii", "replace").lower().rstrip(".")
        info = {"d": dom, "s": tags.get(b"s", b"").decode("ascii", "replace"), "a": tags.get(b"a", b"").decode("ascii", "replace")}
        if want and dom != want:
            continue
        if info["a"].lower().startswith("ed25519") and not HAVE_NACL:
            emit({"infra": "python3-nacl is not importable by %s (dkimpy needs it for ed25519-sha256) -- apt-get install python3-nacl" % sys.executable})
        del logs[:]
        del lookups[:]
        try:
            info["ok"] = bool(d.verify(idx, dnsfunc=dnsfunc))
        except dkim.DKIMException as e:
            info["ok"] = False
            info["error"] = "%s: %s" % (type(e).__name__, e)
        info["log"] = list(logs)
        info["lookups"] = list(lookups)
        sigs.append(info)
    emit({"ok": any(s["ok"] for s in sigs), "signatures": sigs, "total": len(sigheaders), "dkimpy": getattr(dkim, "__version__", "?")})
except InfraError as e:
    emit({"infra": str(e)})
`;

interface PySig {
  d: string;
  s: string;
  a: string;
  ok: boolean;
  error?: string;
  log: string[];
  lookups: string[];
}
interface PyOut {
  infra?: string;
  ok?: boolean;
  signatures?: PySig[];
  total?: number;
}

function runDkimpy(input: object): Promise<PyOut> {
  const py = debianPython();
  return new Promise((resolve, reject) => {
    const child = spawn(py, ["-I", "-c", DKIMPY_SCRIPT], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (err += c.toString("utf8")));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run Debian python at ${py} for dkimpy (${e.message}); set DKIMCTL_DEBIAN_PYTHON or: ${INSTALL_HINT}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      let parsed: PyOut | undefined;
      try {
        parsed = JSON.parse(out) as PyOut;
      } catch {
        /* handled below */
      }
      if (code !== 0 || !parsed) {
        reject(new Error(`dkimpy bridge (${py}) failed: exit ${code} signal ${signal}\nstdout: ${out}\nstderr: ${err}`));
        return;
      }
      if (parsed.infra) {
        reject(new Error(`dkimpy could not verify: ${parsed.infra}`));
        return;
      }
      resolve(parsed);
    });
    child.stdin.on("error", () => undefined); // reported via close/error
    child.stdin.end(JSON.stringify(input));
  });
}

export async function dkimpyVerify(message: string, lookup: TxtLookup, opts?: VerifyOptions): Promise<VerifyResult> {
  const domain = targetDomain(message, opts);
  const input: Record<string, unknown> = {
    message_b64: Buffer.from(message, "utf8").toString("base64"),
    domain: domain ?? null,
    timeout: (opts?.dnsTimeoutMs ?? 5000) / 1000,
  };
  if ("txt" in lookup) {
    const txt: Record<string, string[][]> = {};
    for (const [k, v] of Object.entries(lookup.txt)) txt[normName(k)] = v;
    input.txt = txt;
  } else {
    input.dns = { host: lookup.dns.host, port: lookup.dns.port };
  }
  const res = await runDkimpy(input);
  const sigs = res.signatures ?? [];
  if (sigs.length === 0) {
    return { ok: false, detail: `dkimpy: no DKIM signature for d=${domain ?? "*"} (${res.total ?? 0} signature(s) in message)` };
  }
  const describe = (s: PySig) =>
    `d=${s.d} s=${s.s} a=${s.a}: ${s.ok ? "pass" : "fail"}` +
    (s.error ? ` (${s.error})` : "") +
    (s.log.length ? ` [${s.log.join(" | ")}]` : "") +
    (s.lookups.length ? ` {lookups: ${s.lookups.join(", ")}}` : "");
  return { ok: sigs.some((s) => s.ok), detail: `dkimpy: ${sigs.map(describe).join("; ")}` };
}
