// Debian's Chromium driven by playwright-core (no browser download), headless,
// with background networking off and a fresh profile each launch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './env.js';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launch Chromium with a new empty user data dir. Returns {context, page, close()}.
 * Console errors of the page are collected in `consoleErrors` for diagnostics.
 */
export async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gokernel-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
  const consoleErrors = [];
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    return page;
  };
  const browser = {
    context,
    consoleErrors,
    page: watch(context.pages()[0] || (await context.newPage())),
    /** A fresh tab replacing the current one (no beforeunload prompts). */
    async newPage() {
      const old = browser.page;
      browser.page = watch(await context.newPage());
      await old.close({ runBeforeUnload: false }).catch(() => {});
      return browser.page;
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return browser;
}
