// The tour notebook (examples/tour.ipynb) in a real browser: kernel choice,
// Run All with rendered outputs, interrupt from the toolbar, restart from the
// toolbar.
import assert from 'node:assert/strict';
import { KERNEL_DISPLAY, TOUR } from '../lib/env.js';

export default {
  name: 'tour',
  // Files copied into the server's root dir before it starts.
  files: { 'tour.ipynb': TOUR },
  steps: [
    {
      name: 'opens the tour notebook with the Go kernel',
      async run(nb) {
        await nb.open('tour.ipynb');
        assert.equal(await nb.kernelName(), KERNEL_DISPLAY);
        const k = await nb.serverKernel();
        assert.equal(k?.name, 'gokernel', `session kernel: ${JSON.stringify(k)}`);
        await nb.screenshot('tour-opened');
      },
    },
    {
      name: 'runs all cells and renders their outputs',
      async run(nb) {
        await nb.runAll();
        // stdout of the first cell
        await nb.waitForOutput(nb.cellWithSource('greet("gopher")'), { text: 'hello, gopher' });
        // Out[n]: an execute_result with its text and an [n]: output prompt
        const primes = nb.cellWithSource('len(primes)');
        await nb.waitForOutput(primes, { result: '10' });
        assert.match(await nb.resultPrompt(primes), /^\[\d+\]:$/);
        // display.Table renders an HTML table with a header per field
        const table = nb.cellWithSource('display.Table(planets)');
        await nb.waitForOutput(table, { selector: 'table th', text: /^Name$/ });
        const cellsText = await nb.outputs(table).locator('table').first().innerText();
        for (const want of ['Moons', 'Radius', 'Mercury', 'Earth', 'Mars']) {
          assert.ok(cellsText.includes(want), `table lacks ${want}: ${cellsText}`);
        }
        // display.HTML renders as HTML, not as escaped text
        const html = nb.cellWithSource('display.HTML(');
        const bold = await nb.waitForOutput(html, { mime: 'text/html', selector: 'b', text: 'bold' });
        assert.equal(await bold.innerText(), 'bold');
        await nb.waitForOutput(html, { mime: 'text/html', selector: 'i', text: 'italic' });
        // the last expression of a string cell
        await nb.waitForOutput(nb.cellWithSource('strings.Repeat'), { result: /gogogo/ });
        // no cell failed
        assert.equal(await nb.panel().locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count(), 0);
        await nb.show(table);
        await nb.screenshot('tour-run-all');
      },
    },
    {
      name: 'interrupts a running cell from the toolbar; the kernel and its state survive',
      async run(nb) {
        const cell = await nb.runCell('for {\n}', { wait: false });
        await nb.waitForCellRunning(cell);
        await nb.waitForKernelState('busy');
        await nb.screenshot('interrupt-running');
        await nb.interrupt();
        await nb.waitForCellDone(cell);
        const err = await nb.waitForOutput(cell, { error: 'Interrupted' });
        await nb.waitForIdle();
        await nb.show(err);
        await nb.screenshot('interrupt-done');
        // Alive, with the notebook's state kept.
        const after = await nb.runCell('len(primes) + 1');
        await nb.waitForOutput(after, { result: '6' });
      },
    },
    {
      name: 'restarts the kernel from the toolbar and runs a cell again',
      async run(nb) {
        const statuses = await nb.restartKernel();
        assert.ok(statuses.some((s) => /restarting|starting|autorestarting|busy/.test(s)), `statuses seen: ${statuses}`);
        const fresh = await nb.runCell('40 + 2');
        await nb.waitForOutput(fresh, { result: '42' });
        // Execution counts start again at 1 in the new kernel.
        assert.equal(await nb.resultPrompt(fresh), '[1]:');
        // A new interpreter: the tour's variables are gone.
        const gone = await nb.runCell('len(primes)');
        const err = await nb.waitForOutput(gone, { error: /undefined: primes/ });
        await nb.show(err);
        await nb.screenshot('restarted');
      },
    },
  ],
};
