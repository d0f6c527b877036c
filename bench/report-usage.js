// Preloaded (node -r) into every child the benchmarks time: on exit, writes
// the process's CPU time and peak memory to $BENCH_USAGE_FILE as JSON
// ({ userUs, systemUs, maxRssKb }), from getrusage(2) with microsecond
// resolution (GNU time prints CPU time in hundredths of a second).

process.on("exit", () => {
  const u = process.resourceUsage();
  const usage = { userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxRssKb: u.maxRSS };
  require("node:fs").writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify(usage));
});
