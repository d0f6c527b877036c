// Preloaded by cdktf.json's app, `node -r ./bin/check-build.js dist/main.js`:
// stops when dist/ is stale (bin/build-state.js). The app itself stays the
// main module: every call stack is shorter by the frames a second require
// would add, and cdktf formats a full stack trace for each token it makes.
require("./build-state").checkBuilt();
