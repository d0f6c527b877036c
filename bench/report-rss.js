// Fallback peak-memory probe for bench/synth.ts when /usr/bin/time is not
// available: preloaded with -r, writes the process's max RSS (KB) on exit.
"use strict";
process.on("exit", () => {
  require("node:fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
