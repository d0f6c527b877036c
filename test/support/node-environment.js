// Jest's node environment, and a quick exit for its worker processes.
//
// When a run ends, jest-worker sends each worker CHILD_MESSAGE_END and
// force-kills any worker still alive 500 ms later, reporting "A worker process
// has failed to exit gracefully" (jest-worker 29.7.0: FORCE_EXIT_DELAY in
// build/base/BaseWorkerPool.js). A worker that has run our test files holds a
// large heap (TypeScript, cdktf, ...), and a process that ends by running out
// of work frees that heap first: on the shared 2-core machine at load 18, a
// 300 MB heap took about 800 ms to end that way and 300 ms through
// process.exit. With no handle left open the warning still came (4 runs in 6
// of four small test files at load 12; 0 in 6 with this environment). So on
// END a worker exits at once; every test file has finished by then.
const { TestEnvironment } = require("jest-environment-node");

/** jest-worker 29.7.0's CHILD_MESSAGE_END (build/types.js; not exported). */
const CHILD_MESSAGE_END = 2;
let installed = false;

class NodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    // Only in a worker forked by jest (a run in band has no IPC channel).
    if (installed || typeof process.send !== "function" || process.env.JEST_WORKER_ID === undefined) return;
    installed = true;
    process.on("message", (message) => {
      if (Array.isArray(message) && message[0] === CHILD_MESSAGE_END) process.exit(0);
    });
  }
}

module.exports = NodeEnvironment;
