/**
 * Test support: pages checked in a real headless Chromium (Debian's
 * /usr/bin/chromium, or $DKIMCTL_CHROMIUM), driven by playwright-core with a
 * fresh profile directory per launch. Screenshots go under test-output/
 * (gitignored), where a test run leaves them for people to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { ROOT } from "./project";

export const TEST_OUTPUT = join(ROOT, "test-output");

export function chromiumPath(): string {
  return process.env.DKIMCTL_CHROMIUM || "/usr/bin/chromium";
}

/** A headless Chromium with a fresh profile; `close()` ends it and removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: apt-get install chromium (or point DKIMCTL_CHROMIUM at it)`);
  const profile = mkdtempSync(join(tmpdir(), "dkimctl-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where a test's screenshot goes: test-output/<name>. */
export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return join(TEST_OUTPUT, name);
}
