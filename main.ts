// The cdktf app: composition only. `cdktf synth` runs this file.
import { buildApp } from "./src/app";
import { configPath } from "./src/config/find-project";
import { runOrExit } from "./src/cli/report";

runOrExit(() => buildApp(configPath()).synth());
