/**
 * Route53's API as moto's server answers it (https://docs.getmoto.org/en/latest/docs/services/route53.html):
 * what `dkimctl playground` needs to create a zone there, and what the tests
 * read back. moto routes a request by the service of its SigV4 credential
 * scope and checks no signature, so plain requests with a dummy
 * `Authorization` header drive it.
 */

/** Dummy credentials: the emulator accepts any; these are AWS's documentation examples. */
export const EMULATOR_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
export const EMULATOR_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

const API = "/2013-04-01";
const NS = "https://route53.amazonaws.com/doc/2013-04-01/";

/**
 * What the AWS provider (and the AWS CLI and SDKs) need to reach the emulator
 * at `url` (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/custom-service-endpoints):
 * its Route53 and STS endpoints, dummy credentials, the region, and no look-up of instance metadata.
 */
export function emulatorEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ROUTE_53: url,
    AWS_ENDPOINT_URL_STS: url,
    AWS_ACCESS_KEY_ID: EMULATOR_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: EMULATOR_SECRET_KEY,
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#(\d+));/g, (_, name: string, code?: string) =>
    code ? String.fromCharCode(Number(code)) : ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" } as Record<string, string>)[name],
  );

/** The text of every `<name>` element of `xml`. */
export const xmlTags = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, "g"))].map((m) => unescapeXml(m[1]));

/** A Route53 API request to the emulator at `url` (`path` after /2013-04-01); throws on an HTTP error, with the answer. */
export async function route53Request(url: string, method: "GET" | "POST", path: string, body?: string): Promise<string> {
  const res = await fetch(`${url}${API}${path}`, {
    method,
    headers: {
      Authorization: `AWS4-HMAC-SHA256 Credential=${EMULATOR_ACCESS_KEY}/20260101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=0`,
      ...(body ? { "Content-Type": "application/xml" } : {}),
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`the emulator's Route53 API, ${method} ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

/** Creates a public hosted zone (CreateHostedZone); resolves to its id as the emulator issues it (no `/hostedzone/`). */
export async function createHostedZone(url: string, name: string): Promise<string> {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="${NS}"><Name>${name}</Name>` +
    `<CallerReference>dkimctl-${name}-${Date.now()}</CallerReference></CreateHostedZoneRequest>`;
  const [id] = xmlTags(await route53Request(url, "POST", "/hostedzone", body), "Id");
  return id.replace(/^\/hostedzone\//, "");
}
