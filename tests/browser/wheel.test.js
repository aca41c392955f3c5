// After `pip install gokernel` (tests/wheel/test_wheel.py installs the wheel
// into a fresh venv and runs this with JUPYTER=<venv>/bin/jupyter and an
// empty JUPYTER_DATA_DIR): JupyterLab's launcher shows a "Go" notebook card
// with the wheel's logo, and clicking it starts the kernel, which runs a cell.
// The kernelspec can only come from the venv's share/jupyter (the server's
// JUPYTER_PATH is empty, its data dir has no kernels).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser } from './lib/browser.js';
import { DATA_DIR, KERNEL_DISPLAY, KERNEL_NAME, T } from './lib/env.js';
import { NotebookPage } from './lib/notebook.js';
import { startServer } from './lib/server.js';

let server;
let browser;

before(async () => {
  assert.ok(!fs.existsSync(path.join(DATA_DIR, 'kernels', KERNEL_NAME)), `${DATA_DIR} must not hold a ${KERNEL_NAME} spec`);
  server = await startServer('lab');
  browser = await launchBrowser();
}, { timeout: T.server + 60_000 });

after(async () => {
  await browser?.close();
  await server?.stop();
}, { timeout: 60_000 });

test('the JupyterLab launcher shows Go and starts it', { timeout: 10 * 60_000 }, async () => {
  const specs = await server.api('GET', '/api/kernelspecs');
  const spec = specs.kernelspecs[KERNEL_NAME];
  assert.ok(spec, `server's kernelspecs: ${Object.keys(specs.kernelspecs)}`);
  assert.equal(spec.spec.argv[0], '{resource_dir}/gokernel');

  const page = browser.page;
  const nb = new NotebookPage(page, server, 'lab');
  try {
    await page.goto(`${server.url}/lab?token=${server.token}`, { timeout: T.page });
    const card = page
      .locator('.jp-Launcher .jp-LauncherCard[data-category="Notebook"]')
      .filter({ has: page.locator('.jp-LauncherCard-label', { hasText: new RegExp(`^${KERNEL_DISPLAY}$`) }) })
      .first();
    await card.waitFor({ state: 'visible', timeout: T.page });
    // The card's icon is the wheel's logo, served from the kernelspec's resources.
    const logo = card.locator('.jp-LauncherCard-icon img');
    await logo.waitFor({ state: 'visible', timeout: T.ui });
    assert.match(await logo.getAttribute('src'), new RegExp(`kernelspecs/${KERNEL_NAME}/logo-`));
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await logo.elementHandle(), { timeout: T.ui });
    await nb.screenshot('wheel-launcher');

    await card.click();
    await nb.cells().first().waitFor({ state: 'visible', timeout: T.page });
    // The toolbar says "No Kernel" until the session's kernel is up.
    for (const deadline = Date.now() + T.kernel; ; ) {
      const name = await nb.kernelName().catch(() => '');
      if (name === KERNEL_DISPLAY) break;
      if (Date.now() > deadline) throw new Error(`the new notebook's kernel is "${name}", want "${KERNEL_DISPLAY}"`);
      await page.waitForTimeout(200);
    }
    // Idle in the toolbar, and idle as the server sees the Go session (the
    // new notebook's session path can change while JupyterLab settles its
    // name, so it is looked up by kernel name).
    await nb.panel().locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first()
      .waitFor({ state: 'attached', timeout: T.kernel });
    for (const deadline = Date.now() + T.kernel; ; ) {
      const sessions = await server.api('GET', '/api/sessions');
      if (sessions.some((x) => x.kernel?.name === KERNEL_NAME && x.kernel.execution_state === 'idle')) break;
      if (Date.now() > deadline) throw new Error(`no idle ${KERNEL_NAME} session: ${JSON.stringify(sessions)}`);
      await page.waitForTimeout(200);
    }
    // Type into the new notebook's one empty cell and run it (Ctrl+Enter).
    const cell = nb.cell(0);
    const editor = cell.locator('.jp-InputArea-editor .cm-content[contenteditable="true"]');
    await cell.locator('.jp-InputArea-editor').click({ timeout: T.ui });
    await editor.waitFor({ timeout: T.ui });
    await page.keyboard.insertText('import "strings"\nstrings.ToUpper("from the wheel")');
    await editor.filter({ hasText: 'strings.ToUpper' }).waitFor({ timeout: T.ui });
    await page.keyboard.press('Control+Enter');
    await nb.waitForCellDone(cell);
    await nb.waitForOutput(cell, { result: '"FROM THE WHEEL"' });
    await nb.screenshot('wheel-cell');
  } catch (err) {
    const shot = await nb.screenshot('FAILED-wheel').catch(() => null);
    err.message += `\n  screenshot: ${shot}\n  browser console errors: ${browser.consoleErrors.slice(-5).join(' | ')}\n  server log tail:\n${server.log().slice(-3000)}`;
    throw err;
  }
});
