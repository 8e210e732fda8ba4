import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

// The OS Chromium (Debian's `chromium` package, installed by .ci/run), driven by playwright-core: no
// browser download. CHROMIUM_PATH overrides where it is.
// eslint-disable-next-line no-restricted-properties -- a test's setting
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'apps', 'web', 'test-results');

export async function launchChromium(): Promise<Browser> {
  return chromium
    .launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      // One renderer process is enough for a test; the sandbox needs user namespaces CI may not have.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    })
    .catch((error: unknown) => {
      throw new Error(
        `Chromium did not start from ${CHROMIUM_PATH} (${error instanceof Error ? error.message : String(error)}); ` +
          'install it with `apt-get install chromium` or set CHROMIUM_PATH.',
      );
    });
}

/** A screenshot for people to look at (apps/web/test-results/, not checked in). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
