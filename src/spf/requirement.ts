/** What domains.yaml says a sender domain's SPF record must authorise (`spf:`); dkimctl checks it, never publishes it. */
export interface SpfRequirement {
  /** Domains that must be reached through `include:` (directly or nested). */
  readonly include: readonly string[];
  /** IPv4 addresses or CIDR ranges that must be authorised. */
  readonly ip4: readonly string[];
  /** IPv6 addresses or CIDR ranges that must be authorised. */
  readonly ip6: readonly string[];
}
