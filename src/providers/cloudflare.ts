/**
 * Cloudflare: zones written by the Cloudflare provider v5's
 * `cloudflare_dns_record` (@cdktf/provider-cloudflare). Its cdktf side is
 * constructs/providers/cloudflare.ts.
 */
import { parseQuotedTxt, quoteTxt } from "../dkim/txt";
import { cannot, type DnsProvider } from "./provider";
import { ZONE_ID_FIELD, zoneIdLine } from "./zone-fields";

export const cloudflare: DnsProvider = {
  name: "cloudflare",
  title: "Cloudflare",
  documentation: "https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs/resources/dns_record",
  // A proxied or flattened CNAME is answered with the target's records (https://developers.cloudflare.com/dns/cname-flattening/):
  // the customer's slot then serves a copy of today's key, not the CNAME that follows our rotations.
  plainCname: '"DNS only", not proxied, and no CNAME flattening for the record',

  zoneFields: { zoneId: ZONE_ID_FIELD },
  // A zone id is 32 hex digits, on the zone's Overview page (https://developers.cloudflare.com/fundamentals/account/find-account-and-zone-ids/).
  zoneId: {
    field: "zoneId",
    pattern: /^[0-9a-f]{32}$/,
    what: "Cloudflare zone id",
    shape: "32 lower-case hex digits, on the zone's Overview page as 'Zone ID'",
  },

  // The record quota depends on the plan: the Free plan's is the default (Pro and above: 3,500; Free zones made since September 2024: 200)
  // (https://developers.cloudflare.com/dns/troubleshooting/faq/#does-cloudflare-limit-the-number-of-dns-records-a-domain-can-have).
  recordQuota: { quota: 1_000, raise: "find your plan's quota (Pro and above: 3,500) or have Cloudflare raise it" },

  // "Setting to 1 means 'automatic'. Value must be between 60 and 86400, with the minimum reduced to 30 for Enterprise zones"
  // (https://developers.cloudflare.com/dns/manage-dns-records/reference/ttl/): 60..86400 holds on every plan.
  ttl: {
    note: "Cloudflare: 1 for automatic, or 60..86400",
    problem: (ttl) => (ttl !== 1 && (ttl < 60 || ttl > 86400) ? `TTL ${ttl} is not allowed in a Cloudflare zone: use 1 (automatic) or 60..86400` : undefined),
  },

  // TXT content "must consist of quoted 'character strings' (RFC 1035), each with a length of up to 255 bytes"
  // (https://developers.cloudflare.com/api/resources/dns/subresources/records/methods/create/): given already split and quoted, it is stored
  // and returned as written, so there is no perpetual diff and no warning about unquoted content.
  txt: {
    write: (strings) => quoteTxt(strings),
    read: (value) => parseQuotedTxt(value),
  },

  // Its import id is <zone id>/<record id> (the Import section of the dns_record page above): the record id is known only after the record
  // exists, so a synthesized import block cannot name it.
  adopt: cannot("in Cloudflare, import the record with 'cdktf' import blocks or delete it first"),
  existingRecords: cannot("dkimctl does not list a Cloudflare zone's existing records: check-plan sees only the records its stacks manage"),
  playground: cannot("no local emulator of Cloudflare's API runs here: the playground leaves Cloudflare zones out"),

  plan: {
    recordTypes: ["cloudflare_dns_record"],
    record: (_type, read) => ({
      name: read("name", "string", true),
      type: read("type", "string", true),
      ttl: read("ttl", "number", false),
      zoneId: read("zone_id", "string", false),
      values: () => {
        const content = read("content", "string", true);
        return content === undefined ? undefined : [content];
      },
    }),
    // data and resource "cloudflare_zone": `id` and `name` (https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs/data-sources/zone).
    zoneOf: ({ type, values: v }) =>
      type === "cloudflare_zone" && typeof v.id === "string" && typeof v.name === "string" ? { name: v.name, id: v.id } : undefined,
  },

  // A proxied CNAME is answered with Cloudflare's addresses, and a flattened one (the zone setting or the record's Flatten option) with the
  // target's data, never the CNAME itself (https://developers.cloudflare.com/dns/proxy-status/,
  // https://developers.cloudflare.com/dns/cname-flattening/set-up-cname-flattening/): a delegated selector must be neither.
  delegationNote:
    'Cloudflare: set each record\'s proxy status to "DNS only" (grey cloud), not "Proxied", and do not flatten them ' +
    '("CNAME flattening for all CNAME records" off): receivers must see the CNAME itself.',

  init: {
    package: "@cdktf/provider-cloudflare",
    zoneLines: () => [zoneIdLine("023e105f4ecef8ad9ca31a8372d0c353", "'Zone ID' on the zone's Overview page")],
    // api_token "can be configured using the CLOUDFLARE_API_TOKEN environment variable"
    // (https://registry.terraform.io/providers/cloudflare/cloudflare/latest/docs).
    credentials: "CLOUDFLARE_API_TOKEN (an API token with the permission Zone / DNS / Edit on the zone)",
    secrets: ["CLOUDFLARE_API_TOKEN"],
  },
};
