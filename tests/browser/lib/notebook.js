// Page helpers for a notebook open in JupyterLab 4 or Notebook 7. Both front
// ends build the notebook from the same JupyterLab widgets, so one set of
// selectors works for both; the few differences are keyed on `flavor`.
//
// A scenario reads like a user's session:
//
//   const nb = new NotebookPage(page, server, 'lab');
//   await nb.open('tour.ipynb');
//   await nb.runAll();
//   const cell = await nb.runCell('1 + 1');
//   await nb.waitForOutput(cell, { result: '2' });
//   await nb.screenshot('after-add');
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, KERNEL_DISPLAY, T } from './env.js';

const DONE_PROMPT = /^\[\d+\]:$/;
const STDERR = 'application/vnd.jupyter.stderr';

export class NotebookPage {
  /**
   * page: Playwright page; server: from startServer; flavor: 'lab' | 'notebook'.
   */
  constructor(page, server, flavor) {
    this.page = page;
    this.server = server;
    this.flavor = flavor;
    this.path = null;
  }

  // ---- locators -------------------------------------------------------

  /** The notebook panel on screen (Lab can hold several in tabs). */
  panel() {
    return this.page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)').first();
  }

  toolbarButton(command) {
    return this.panel().locator(`.jp-NotebookPanel-toolbar [data-command="${command}"]`).first();
  }

  cells() {
    return this.panel().locator('.jp-Notebook .jp-Cell');
  }

  codeCells() {
    return this.panel().locator('.jp-Notebook .jp-CodeCell');
  }

  cell(i) {
    return this.cells().nth(i);
  }

  /** The code cell whose source contains text (first match). */
  cellWithSource(text) {
    return this.codeCells().filter({ has: this.page.locator('.jp-InputArea-editor', { hasText: text }) }).first();
  }

  outputs(cell) {
    return cell.locator('.jp-OutputArea-output');
  }

  /** The Out[n] of a cell: its execute_result output. */
  result(cell) {
    return cell.locator('.jp-OutputArea-executeResult .jp-OutputArea-output').first();
  }

  errorOutputs(cell) {
    return cell.locator(`.jp-OutputArea-output[data-mime-type="${STDERR}"]`);
  }

  // ---- navigation and kernel -----------------------------------------

  /** Open a notebook from the server's root dir and wait for its kernel. */
  async open(nbPath) {
    this.path = nbPath;
    const route = this.flavor === 'lab' ? `/lab/tree/${nbPath}` : `/notebooks/${nbPath}`;
    await this.page.goto(`${this.server.url}${route}?token=${this.server.token}`, { timeout: T.page });
    await this.cells().first().waitFor({ state: 'visible', timeout: T.page });
    await this.ensureKernel();
  }

  /** The kernel shown in the toolbar, e.g. "Go" (or "No Kernel"). */
  async kernelName() {
    const el = this.panel().locator('.jp-Toolbar-kernelName').first();
    await el.waitFor({ state: 'visible', timeout: T.ui });
    return (await el.innerText()).trim();
  }

  /**
   * Make sure the Go kernel is the notebook's kernel: answer a kernel
   * selection dialog if the front end shows one, switch kernels from the
   * toolbar otherwise, then wait for the kernel to be idle.
   */
  async ensureKernel(display = KERNEL_DISPLAY) {
    const deadline = Date.now() + T.kernel;
    for (;;) {
      const dialog = this.page.locator('.jp-Dialog');
      if (await dialog.isVisible()) {
        await this.chooseKernelInDialog(display);
      }
      const name = await this.kernelName().catch(() => '');
      if (name === display) break;
      if (name && name !== 'Kernel' && !/^(No Kernel|Connecting|Starting)/i.test(name) && name !== display) {
        // Some other kernel: switch from the toolbar.
        await this.panel().locator('.jp-Toolbar-kernelName').first().click();
        await this.chooseKernelInDialog(display);
      }
      if (Date.now() > deadline) throw new Error(`kernel is "${name}", want "${display}"`);
      await this.page.waitForTimeout(250);
    }
    await this.waitForIdle(T.kernel);
  }

  async chooseKernelInDialog(display) {
    const dialog = this.page.locator('.jp-Dialog');
    await dialog.waitFor({ state: 'visible', timeout: T.ui });
    const select = dialog.locator('select').first();
    if (await select.count()) {
      await select.selectOption({ label: display });
    }
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    await dialog.waitFor({ state: 'hidden', timeout: T.ui });
  }

  /** The toolbar's kernel status circle: 'idle', 'busy', 'starting', ... */
  async kernelStatus() {
    return this.panel().locator('.jp-Notebook-ExecutionIndicator').first().getAttribute('data-status');
  }

  /** Wait until the front end shows the kernel idle (no sleeps). */
  async waitForIdle(timeout = T.kernel) {
    await this.panel()
      .locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
      .first()
      .waitFor({ state: 'attached', timeout });
    // The status indicator and the kernel's own state agree.
    await this.waitForKernelState('idle', timeout);
  }

  /** The kernel's execution_state as the server sees it (REST /api/sessions). */
  async serverKernel() {
    const sessions = await this.server.api('GET', '/api/sessions');
    const s = sessions.find((x) => x.path === this.path || x.notebook?.path === this.path);
    return s?.kernel ?? null;
  }

  async waitForKernelState(state, timeout = T.kernel) {
    const deadline = Date.now() + timeout;
    let k;
    for (;;) {
      k = await this.serverKernel();
      if (k?.execution_state === state) return k;
      if (Date.now() > deadline) {
        throw new Error(`kernel state is ${k?.execution_state ?? 'unknown'}, want ${state}`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  // ---- running cells ---------------------------------------------------

  /** Run > Run All Cells from the menu bar, and wait for every code cell. */
  async runAll() {
    await this.menu('Run', 'Run All Cells');
    await this.waitForAllCells(T.runAll);
    await this.waitForIdle(T.cell);
  }

  /** Click a menu-bar menu (e.g. "Run"), then its item labelled label. */
  async menu(title, label) {
    const bar = this.page.locator('.lm-MenuBar-item', { hasText: new RegExp(`^${escapeRe(title)}$`) }).first();
    await bar.click({ timeout: T.ui });
    const item = this.page
      .locator('.lm-Menu:visible .lm-Menu-item')
      .filter({ has: this.page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${escapeRe(label)}$`) }) })
      .first();
    await item.click({ timeout: T.ui });
  }

  /** Wait until no code cell is queued or running and each has run. */
  async waitForAllCells(timeout = T.runAll) {
    await this.page.waitForFunction(
      () => {
        const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
        const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map((p) => p.textContent.trim());
        return prompts.length > 0 && prompts.every((t) => /^\[\d+\]:$/.test(t));
      },
      null,
      { timeout, polling: 250 },
    );
  }

  /** The input prompt text of a cell: "[ ]:", "[*]:" or "[n]:". */
  async prompt(cell) {
    return (await cell.locator('.jp-InputPrompt').first().innerText()).trim();
  }

  /** Wait until a cell's prompt shows an execution count (it ran). */
  async waitForCellDone(cell, timeout = T.cell) {
    await cell.locator('.jp-InputPrompt').first().filter({ hasText: DONE_PROMPT }).waitFor({ timeout });
  }

  /** Wait until a cell shows it is running ("[*]:"). */
  async waitForCellRunning(cell, timeout = T.cell) {
    await cell.locator('.jp-InputPrompt').first().filter({ hasText: /^\[\*\]:$/ }).waitFor({ timeout });
  }

  /**
   * Append a code cell at the end with code, run it (Ctrl+Enter) and, unless
   * wait is false, wait until it finished. Returns the cell's locator.
   */
  async runCell(code, { wait = true, timeout = T.cell } = {}) {
    const n = await this.cells().count();
    const last = this.cell(n - 1);
    // The prompt area selects the cell (the collapser beside it would fold it).
    await last.locator('.jp-InputPrompt').first().click();
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('b');
    const cell = this.cell(n);
    await cell.waitFor({ state: 'visible', timeout: T.ui });
    await cell.locator('.jp-InputArea-editor').click();
    await cell.locator('.jp-InputArea-editor .cm-content[contenteditable="true"]').waitFor({ timeout: T.ui });
    // insertText: no auto-closed brackets or auto-indentation from the editor.
    await this.page.keyboard.insertText(code);
    // Run without advancing, so no empty cell is left behind.
    await this.page.keyboard.press('Control+Enter');
    if (wait) await this.waitForCellDone(cell, timeout);
    return cell;
  }

  /**
   * Wait for an output in cell. Options (any combination):
   *   result:  the Out[n] text (string: exact after trimming, RegExp: match)
   *   text:    text any output contains
   *   mime:    only outputs rendered from this MIME type (e.g. 'text/html')
   *   selector: a CSS selector inside the outputs (e.g. 'table th')
   *   error:   text an error (stderr) output contains
   * Returns the matching output locator.
   */
  async waitForOutput(cell, { result, text, mime, selector, error, timeout = T.cell } = {}) {
    let loc;
    const outputs = mime ? this.outputs(cell).and(cell.locator(`[data-mime-type="${mime}"]`)) : this.outputs(cell);
    if (result !== undefined) {
      const re = result instanceof RegExp ? result : new RegExp(`^\\s*${escapeRe(String(result))}\\s*$`);
      loc = cell.locator('.jp-OutputArea-executeResult .jp-OutputArea-output').filter({ hasText: re });
    } else if (error !== undefined) {
      loc = this.errorOutputs(cell).filter({ hasText: error });
    } else if (selector !== undefined) {
      loc = outputs.locator(selector);
      if (text !== undefined) loc = loc.filter({ hasText: text });
    } else {
      loc = outputs.filter({ hasText: text });
    }
    await loc.first().waitFor({ state: 'visible', timeout });
    return loc.first();
  }

  /** The Out[n] prompt of a cell's result, e.g. "[3]:". */
  async resultPrompt(cell) {
    // The prompt text can lag behind the result while Run All is still going
    // (the front end fills it in a later render): poll until it has a count.
    // JupyterLab renders cells far outside the viewport lazily (their text
    // reads as ''), so bring the cell into view first.
    await cell.scrollIntoViewIfNeeded({ timeout: T.ui });
    const prompt = cell.locator('.jp-OutputArea-executeResult .jp-OutputArea-prompt').first();
    const deadline = Date.now() + T.ui;
    let text = '';
    while (Date.now() < deadline) {
      text = (await prompt.innerText()).trim();
      if (/\d/.test(text)) return text;
      await this.page.waitForTimeout(100);
    }
    return text;
  }

  // ---- toolbar actions -------------------------------------------------

  /** The toolbar's stop button (Interrupt the kernel). */
  async interrupt() {
    await this.toolbarButton('notebook:interrupt-kernel').click({ timeout: T.ui });
  }

  /**
   * The toolbar's restart button, accepting the confirmation dialog; returns
   * once the front end has seen the kernel leave idle (restarting) and come
   * back to idle, so the next cell runs in the new kernel.
   */
  async restartKernel() {
    // Record every status the toolbar indicator shows from now on.
    await this.panel()
      .locator('.jp-Notebook-ExecutionIndicator')
      .first()
      .evaluate((el) => {
        window.__gokernelStatuses = [];
        const obs = new MutationObserver(() => window.__gokernelStatuses.push(el.getAttribute('data-status')));
        obs.observe(el, { attributes: true, attributeFilter: ['data-status'] });
        window.__gokernelStatusObserver?.disconnect();
        window.__gokernelStatusObserver = obs;
      });
    await this.toolbarButton('notebook:restart-kernel').click({ timeout: T.ui });
    const dialog = this.page.locator('.jp-Dialog');
    await dialog.waitFor({ state: 'visible', timeout: T.ui });
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
    await dialog.waitFor({ state: 'hidden', timeout: T.ui });
    await this.page.waitForFunction(
      () => {
        const seen = window.__gokernelStatuses || [];
        const el = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
        return seen.some((s) => s !== 'idle') && el?.getAttribute('data-status') === 'idle';
      },
      null,
      { timeout: T.kernel, polling: 100 },
    );
    const statuses = await this.page.evaluate(() => {
      window.__gokernelStatusObserver?.disconnect();
      return window.__gokernelStatuses;
    });
    await this.waitForIdle(T.kernel);
    return statuses;
  }

  /** Save a screenshot to artifacts/browser/<flavor>-<name>.png. */
  async screenshot(name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${this.flavor}-${name}.png`);
    await this.page.screenshot({ path: file, fullPage: false });
    return file;
  }

  /** Scroll a cell or an output into view (for screenshots that show it). */
  async show(cell) {
    await cell.scrollIntoViewIfNeeded();
  }
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
