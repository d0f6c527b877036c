// Jest setup (setupFilesAfterEnv): after each test file, remove the temp
// directories it made, since they hold private keys.
import { removeTempDirs } from "./project";

afterAll(removeTempDirs);
