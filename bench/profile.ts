/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by
 * package / project file, self time by function, and inclusive time of the
 * project's own functions (which phase of the app the time is spent in).
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Total sampled time, ms. */
  readonly totalMs: number;
  /** Self time by package (node_modules/<pkg>) or project file, ms, largest first. */
  readonly byGroup: [string, number][];
  /** Self time by function, ms, largest first. */
  readonly bySelf: [string, number][];
  /** Inclusive time of project functions (files of the project outside node_modules), ms, largest first. */
  readonly projectInclusive: [string, number][];
  /** Inclusive time of every function, ms (for looking up a named one). */
  readonly inclusive: Map<string, number>;
}

export function readProfile(file: string, root: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // Sample i lasts until sample i+1; the last one gets the mean interval.
  const selfUs = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  const mean = samples.length ? (profile.endTime - profile.startTime) / samples.length : 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : mean;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }

  const label = (f: CallFrame) => `${f.functionName || "(anonymous)"} ${where(f, root)}`;
  const group = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const project = new Set<string>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    total += us;
    add(group, groupOf(node.callFrame, root), us);
    add(self, label(node.callFrame), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const key = label(frame);
      if (seen.has(key)) continue;
      if (isProjectFile(frame, root)) project.add(key);
      seen.add(key);
      add(inclusive, key, us);
    }
  }
  const ms = (m: Map<string, number>) => [...m].map(([k, v]) => [k, v / 1000] as [string, number]).sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total / 1000,
    byGroup: ms(group),
    bySelf: ms(self),
    projectInclusive: ms(inclusive).filter(([k]) => project.has(k)),
    inclusive: new Map(ms(inclusive)),
  };
}

function add(m: Map<string, number>, k: string, v: number) {
  m.set(k, (m.get(k) ?? 0) + v);
}

function pathOf(url: string): string {
  if (url.startsWith("file://")) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

function isProjectFile(f: CallFrame, root: string): boolean {
  const p = pathOf(f.url);
  return p.startsWith(`${root}/`) && !p.includes("/node_modules/");
}

function where(f: CallFrame, root: string): string {
  if (!f.url) return "";
  const p = pathOf(f.url);
  const nm = p.lastIndexOf("/node_modules/");
  const short = nm >= 0 ? p.slice(nm + "/node_modules/".length) : p.startsWith(root) ? relative(root, p) : p;
  return `${short}:${f.lineNumber + 1}`;
}

function groupOf(f: CallFrame, root: string): string {
  if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native / V8 builtins)";
  if (f.url.startsWith("node:")) return "node: internals";
  const p = pathOf(f.url);
  const nm = p.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = p.slice(nm + "/node_modules/".length).split("/");
    const pkg = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    // cdktf's bundled dependencies live under cdktf/node_modules; name the package itself.
    return pkg;
  }
  return p.startsWith(root) ? relative(root, p) : p;
}

/** A text report of a summary. */
export function formatProfile(title: string, s: ProfileSummary, top = 15): string {
  const pct = (v: number) => `${((100 * v) / (s.totalMs || 1)).toFixed(1).padStart(5)}%`;
  const row = ([k, v]: [string, number]) => `    ${v.toFixed(0).padStart(7)} ms ${pct(v)}  ${k}`;
  return [
    `${title}: ${s.totalMs.toFixed(0)} ms sampled`,
    "  self time by package / project file:",
    ...s.byGroup.slice(0, top).map(row),
    "  self time by function:",
    ...s.bySelf.slice(0, top + 5).map(row),
    "  inclusive time of project functions (outside node_modules):",
    ...s.projectInclusive.slice(0, top + 5).map(row),
  ].join("\n");
}
