// gokernel in real front ends: JupyterLab 4 and Notebook 7 servers from the
// project venv, Debian's Chromium driven by playwright-core. Each front end
// gets its own server; each scenario opens its notebook in a fresh page.
//
// Run: npm ci && node --test   (scripts/test.sh does this; see README).
import { after, before, describe, test } from 'node:test';
import { checkPrerequisites, T } from './lib/env.js';
import { launchBrowser } from './lib/browser.js';
import { startServer } from './lib/server.js';
import { NotebookPage } from './lib/notebook.js';
import allScenarios from './scenarios/index.js';

// GOKERNEL_SCENARIOS=auth_bq runs only the scenarios named (comma-separated).
const scenarios = allScenarios.filter((s) => !process.env.GOKERNEL_SCENARIOS || process.env.GOKERNEL_SCENARIOS.split(',').includes(s.name));

const FRONTENDS = [
  { flavor: 'lab', app: 'lab', title: 'JupyterLab 4' },
  { flavor: 'notebook', app: 'notebook', title: 'Notebook 7' },
].filter((f) => !process.env.GOKERNEL_FRONTENDS || process.env.GOKERNEL_FRONTENDS.split(',').includes(f.flavor));

checkPrerequisites();

for (const fe of FRONTENDS) {
  describe(fe.title, { timeout: 20 * 60_000 }, () => {
    let server;
    let browser;
    const files = Object.assign({}, ...scenarios.map((s) => s.files || {}));

    before(async () => {
      server = await startServer(fe.app, { files });
      browser = await launchBrowser();
    }, { timeout: T.server + 60_000 });

    after(async () => {
      await browser?.close();
      await server?.stop();
    }, { timeout: 60_000 });

    for (const scenario of scenarios) {
      describe(scenario.name, () => {
        let nb;
        let failed = false;
        before(async () => {
          // Each scenario starts in a fresh tab of the same browser.
          nb = new NotebookPage(await browser.newPage(), server, fe.flavor);
        });
        for (const step of scenario.steps) {
          test(step.name, { timeout: step.timeout ?? 10 * 60_000 }, async (t) => {
            if (failed) {
              t.skip('an earlier step of this scenario failed');
              return;
            }
            const started = Date.now();
            try {
              await step.run(nb, { server, browser, flavor: fe.flavor });
            } catch (err) {
              failed = true;
              const slug = step.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
              const shot = await nb.screenshot(`FAILED-${scenario.name}-${slug}`).catch(() => null);
              err.message += `\n  screenshot: ${shot}\n  browser console errors: ${browser.consoleErrors.slice(-5).join(' | ')}\n  server log tail:\n${server.log().slice(-2000)}`;
              throw err;
            } finally {
              t.diagnostic(`${fe.flavor}/${scenario.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
            }
          });
        }
      });
    }
  });
}
