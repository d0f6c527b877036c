/**
 * The cdktf side of each DNS provider, by its name in domains.yaml. A
 * provider's module (and with it its cdktf bindings, an optional peer
 * dependency) is required the first time a zone of that provider is
 * synthesized, never at start-up: a project installs only the providers it
 * uses.
 */
import type { Zone } from "../../src/config/model";
import { InputError, type Problem } from "../../src/config/problems";
import { packageInfo } from "../../src/init/package-info";
import { PROVIDERS, type ProviderName } from "../../src/providers";
import type { ProviderConstructs } from "./provider";

/** Loads each provider's module: a Record over ProviderName, so a provider without one fails to compile. */
const LOAD: Record<ProviderName, () => ProviderConstructs> = {
  route53: () => (require("./route53") as typeof import("./route53")).route53Constructs,
  cloudflare: () => (require("./cloudflare") as typeof import("./cloudflare")).cloudflareConstructs,
  google: () => (require("./google") as typeof import("./google")).googleConstructs,
  azure: () => (require("./azure") as typeof import("./azure")).azureConstructs,
  digitalocean: () => (require("./digitalocean") as typeof import("./digitalocean")).digitaloceanConstructs,
};

/** The constructs of a zone's provider; an InputError at the zone when its package is not installed. */
export function zoneConstructs(zone: Zone): ProviderConstructs {
  const loaded = load(zone.provider);
  if ("missing" in loaded) throw new InputError([missingPackage(zone, loaded.missing)]);
  return loaded.constructs;
}

/** Loads the providers of every zone: an InputError naming each zone whose provider's package is not installed, with the npm command. */
export function loadZoneProviders(zones: readonly Zone[]): void {
  const problems = zones.flatMap((zone) => {
    const loaded = load(zone.provider);
    return "missing" in loaded ? [missingPackage(zone, loaded.missing)] : [];
  });
  if (problems.length) throw new InputError(problems);
}

function load(name: ProviderName): { constructs: ProviderConstructs } | { missing: string } {
  const pkg = PROVIDERS[name].init.package;
  try {
    return { constructs: LOAD[name]() };
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    // Node: "Cannot find module '@cdktf/provider-aws/lib/provider'"; another missing module is another problem.
    if (error?.code === "MODULE_NOT_FOUND" && typeof error.message === "string" && error.message.includes(`'${pkg}/`)) return { missing: pkg };
    throw e;
  }
}

function missingPackage(zone: Zone, pkg: string): Problem {
  const pinned = packageInfo().providerPackages[pkg];
  return {
    ...zone.position,
    path: `zones/${zone.name}/provider`,
    message:
      `${zone.provider} zones need the package ${pkg} (the provider's cdktf bindings), which is not installed: ` +
      `run 'npm install ${pinned ? `${pkg}@${pinned}` : pkg}' in the project${pinned ? " (the version dkimctl is tested with)" : ""}`,
  };
}
