/**
 * `dkimctl instructions` as text (for the customer), bind (zone-file lines),
 * json (for the provider's own UI; one object per line with --all) and csv.
 * The html page is in instructions-page.ts. Only public data is ever shown:
 * targets, and for `txt` customers their public key records.
 */
import type { CustomerRecord, Instructions } from "../customers/instructions";
import { quoteTxt } from "../dkim/txt";
import { formatDuration } from "../duration";
import { PROVIDERS } from "../providers";
import type { DnsProvider } from "../providers/provider";

export const INSTRUCTION_FORMATS = ["text", "bind", "json", "csv", "html"] as const;
export type InstructionFormat = (typeof INSTRUCTION_FORMATS)[number];
/** The formats `--all` writes: one customer per line (json) or per row (csv). */
export const ALL_FORMATS: readonly InstructionFormat[] = ["json", "csv"];

/**
 * The JSON object of one customer (docs/signing-provider.md documents it; a
 * change of its fields is a change of the contract).
 */
export function instructionsJson(i: Instructions): object {
  return {
    customer: i.customer,
    display: i.display,
    zone: i.zone,
    delegation: i.delegation,
    records: i.records.map(({ slot, host, name, type, value, strings, ttl }) => ({ slot, host, name, type, value, strings, ttl })),
  };
}

export const CSV_HEADER = ["customer", "zone", "delegation", "slot", "host", "name", "type", "value", "ttl"] as const;

/** Rows of the csv format (RFC 4180), without the header. */
export function csvRows(i: Instructions): string[] {
  return i.records.map((r) => [i.customer, i.zone, i.delegation, r.slot, r.host, r.name, r.type, r.value, String(r.ttl)].map(csvField).join(","));
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvFormat(all: readonly Instructions[]): string {
  return `${[CSV_HEADER.join(","), ...all.flatMap(csvRows)].join("\r\n")}\r\n`;
}

/** Master-file lines with absolute names, to paste into a zone file or import into a DNS host that reads them. */
export function bindFormat(i: Instructions): string {
  const lines = i.records.map((r) => `${r.name}. ${r.ttl} IN ${r.type} ${r.type === "TXT" ? quoteTxt(r.strings) : `${r.value}.`}`);
  return `; DKIM records for ${i.customer}${i.display !== i.customer ? ` (${i.display})` : ""}, to create in the zone ${i.zone}\n${lines.join("\n")}\n`;
}

/**
 * The notes that spare a support ticket, each one sentence or two; what a
 * DNS host needs is its provider's delegationNote, which cites its documentation.
 */
export function notes(i: Instructions): string[] {
  const first = i.records[0];
  const cname = i.delegation === "cname";
  const out = [
    `Enter the host as shown (${first?.host}): most DNS panels add ".${i.zone}" themselves. If yours asks for the full name, enter ` +
      `${first?.name} (some panels want a dot at its end). A full name where the panel adds the domain itself becomes ` +
      `${first?.name}.${i.zone}, which receivers never look up.`,
  ];
  if (i.customer !== i.zone)
    out.push(
      `These records go into the zone ${i.zone}. If ${i.customer} is a zone of its own at your DNS host, create them there, ` +
        `with the host ${first?.name.slice(0, -(i.customer.length + 1))}.`,
    );
  // What a customer must do where its DNS is hosted, for each DNS host dkimctl knows (src/providers/).
  if (cname) for (const provider of Object.values(PROVIDERS) as DnsProvider[]) if (provider.delegationNote) out.push(provider.delegationNote);
  out.push(`Nothing changes at ${i.zone} itself: its MX, SPF and other records stay as they are. Add only the records above.`);
  if (cname)
    out.push(
      `Create ${i.records.length === 2 ? "both records, also the one" : `all ${i.records.length} records, also those`} not in use yet, and keep them: ` +
        "keys are switched between them and replaced without any change on your side.",
      "If a record of another type (an old TXT key, say) exists at one of these names, delete it first: a CNAME cannot share its name with another record.",
    );
  else {
    if (i.records.some((r) => r.strings.length > 1))
      out.push(
        "Paste each value whole. If your panel refuses values longer than 255 characters, enter it as the quoted strings shown; " +
          "receivers join them into one.",
      );
    out.push("Publish each record exactly as shown, and keep it: signing with a key starts only once its record is in DNS.");
  }
  return out;
}

/** For people: each record, field by field, then the notes. */
export function textFormat(i: Instructions): string {
  const n = i.records.length;
  const who = `${i.display}${i.display !== i.customer ? ` (${i.customer})` : ""}`;
  const head = `DKIM for ${who}: create ${n === 1 ? "this record" : `these ${n} records`} in the DNS zone ${i.zone}.`;
  const field = (label: string, value: string) => `  ${`${label}:`.padEnd(12)}${value}`;
  const record = (r: CustomerRecord, k: number) =>
    [
      `Record ${k + 1} of ${n} (slot ${r.slot})`,
      field("Type", r.type),
      field("Host", r.host),
      field("Full name", r.name),
      field(r.type === "CNAME" ? "Target" : "Value", r.value),
      ...(r.type === "TXT" && r.strings.length > 1 ? [field("As strings", quoteTxt(r.strings))] : []),
      field("TTL", `${r.ttl} (${formatDuration(r.ttl * 1000)})`),
    ].join("\n");
  return `${[
    head,
    ...i.records.map(record),
    `Before you save:\n${notes(i)
      .map((t) => `- ${t}`)
      .join("\n")}`,
  ].join("\n\n")}\n`;
}
