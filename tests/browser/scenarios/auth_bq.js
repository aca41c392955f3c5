// %auth and %bq in a real browser, against loopback test servers: the
// OAuth2 server (internal/oauthtest, signs alice@example.com in at once)
// and the BigQuery emulator loaded with tests/e2e/bqdata.yaml.
//
// The kernel must inherit GOKERNEL_BIGQUERY_ENDPOINT, GOOGLE_CLOUD_PROJECT
// and a private XDG_CONFIG_HOME from its Jupyter server, so this scenario
// runs its own server of the same front end (the shared one is already up
// when the scenario starts) and points the page at it.
//
// The user's session: run `%auth login`, see the sign-in link and the
// password box, open the link in "a browser on another machine" (Node's
// fetch stops at the redirect to the kernel's 127.0.0.1 listener), paste
// that address into the box and press Enter, see "Signed in as
// alice@example.com"; then run a %%bq cell and see its HTML table.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { T } from '../lib/env.js';
import { startServer } from '../lib/server.js';
import { BQ_DATA, browseSignIn, startEmulator, startOAuthServer } from '../lib/services.js';

const EMAIL = 'alice@example.com';
const NOTEBOOK = 'auth_bq.ipynb';

// A notebook with the Go kernel chosen and no code cells yet.
const EMPTY_NOTEBOOK = {
  cells: [
    {
      cell_type: 'markdown',
      metadata: {},
      source: ['Signing in with `%auth` and querying with `%bq`, against loopback test servers.'],
    },
  ],
  metadata: {
    kernelspec: { display_name: 'Go', language: 'go', name: 'gokernel' },
    language_info: { name: 'go' },
  },
  nbformat: 4,
  nbformat_minor: 5,
};

/** Everything this scenario started for one front end, and how to stop it. */
class Rig {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gokernel-authbq-'));
    this.configHome = path.join(this.dir, 'config');
    fs.mkdirSync(this.configHome, { mode: 0o700 });
    this.oauth = null;
    this.emulator = null;
    this.server = null;
    this.secrets = null;
  }

  async start(app) {
    [this.oauth, this.emulator] = await Promise.all([startOAuthServer({ email: EMAIL }), startEmulator({ project: 'test', data: BQ_DATA })]);
    const nbFile = path.join(this.dir, NOTEBOOK);
    fs.writeFileSync(nbFile, JSON.stringify(EMPTY_NOTEBOOK, null, 1));
    this.server = await startServer(app, {
      files: { [NOTEBOOK]: nbFile },
      env: {
        GOKERNEL_BIGQUERY_ENDPOINT: this.emulator.url,
        GOOGLE_CLOUD_PROJECT: 'test',
        XDG_CONFIG_HOME: this.configHome,
        // Nothing from the test machine may pick the client or the identity.
        GOKERNEL_CLIENT_SECRETS: undefined,
        GOOGLE_APPLICATION_CREDENTIALS: undefined,
        CLOUDSDK_CONFIG: path.join(this.dir, 'gcloud'),
      },
    });
  }

  credentialPath() {
    return path.join(this.configHome, 'gokernel', 'credentials', `${EMAIL}.json`);
  }

  /** The logs a failure message needs. */
  logs() {
    const tail = (name, f) => {
      try {
        return `  ${name}:\n${f().slice(-1500)}\n`;
      } catch {
        return '';
      }
    };
    return tail('jupyter server (auth_bq)', () => this.server.log()) + tail('oauthserver', () => this.oauth.log()) + tail('bigquery-emulator', () => this.emulator.log());
  }

  /** Stop all, servers first; returns the OAuth server's secrets. */
  async stop() {
    await this.server?.stop().catch(() => {});
    this.secrets = (await this.oauth?.stop().catch(() => [])) ?? [];
    await this.emulator?.stop().catch(() => {});
    return this.secrets;
  }
}

const rigs = new WeakMap(); // NotebookPage -> Rig

/** A step whose failure also stops this scenario's servers (the later steps are skipped). */
function step(name, run, timeout) {
  return {
    name,
    timeout,
    async run(nb, ctx) {
      try {
        await run(nb, ctx, rigs.get(nb));
      } catch (err) {
        const rig = rigs.get(nb);
        if (rig) {
          err.message += `\n${rig.logs()}`;
          // The page as it was, before its server goes away.
          await nb.screenshot('FAILED-auth_bq-page').catch(() => {});
          await rig.stop();
        }
        throw err;
      }
    },
  };
}

export default {
  name: 'auth_bq',
  files: {},
  steps: [
    step(
      'starts the OAuth server, the BigQuery emulator and a Jupyter server whose kernels use them',
      async (nb, { flavor }) => {
        const rig = new Rig();
        rigs.set(nb, rig);
        await rig.start(flavor);
        nb.server = rig.server;
        await nb.open(NOTEBOOK);
        const k = await nb.serverKernel();
        assert.equal(k?.name, 'gokernel', `session kernel: ${JSON.stringify(k)}`);
      },
      T.server + T.page + 12 * 60_000,
    ),
    step('%auth login: the link and the password box; the pasted redirect URL signs alice in', async (nb, _ctx, rig) => {
      const cell = await nb.runCell(`%auth login --client-secrets ${rig.oauth.clientSecretsPath}`, { wait: false });
      const link = await nb.waitForOutput(cell, { mime: 'text/html', selector: 'a', text: 'Sign in with Google' });
      const input = cell.locator('.jp-Stdin input.jp-Stdin-input');
      await input.waitFor({ state: 'visible', timeout: T.cell });
      assert.equal(await input.getAttribute('type'), 'password', 'the paste box must hide what is typed');
      await nb.waitForOutput(cell, { text: 'Paste the address of the page your browser landed on' });
      await nb.show(input);
      await nb.screenshot('auth-password-box');

      // The user's own browser, elsewhere: it ends at the kernel's loopback
      // address, which it cannot load; the user copies that address.
      const authUrl = await link.getAttribute('href');
      assert.ok(authUrl.startsWith(`${rig.oauth.url}/auth?`), authUrl);
      assert.equal(new URL(authUrl).searchParams.get('code_challenge_method'), 'S256');
      const landed = await browseSignIn(rig.oauth, authUrl);
      assert.ok(new URL(landed).searchParams.get('code'), landed);

      await input.click();
      await nb.page.keyboard.insertText(landed);
      await nb.page.keyboard.press('Enter');
      await nb.waitForCellDone(cell);
      const done = await nb.waitForOutput(cell, { text: `Signed in as ${EMAIL}` });
      assert.equal(await nb.errorOutputs(cell).count(), 0, 'the login cell printed an error');
      // The pasted address is not shown back: the box is gone, the code is nowhere on the page.
      await input.waitFor({ state: 'hidden', timeout: T.ui });
      const code = new URL(landed).searchParams.get('code');
      assert.ok(!(await nb.panel().innerText()).includes(code), 'the authorization code is shown on the page');
      const values = await nb.panel().locator('input').evaluateAll((els) => els.map((e) => e.value));
      assert.ok(!values.some((v) => v.includes(code)), 'an input still holds the pasted code');
      // The credential is cached in the kernel's XDG_CONFIG_HOME, private to the user.
      const st = fs.statSync(rig.credentialPath());
      assert.equal(st.mode & 0o777, 0o600, `credential file mode ${(st.mode & 0o777).toString(8)}`);
      await nb.show(done);
      await nb.screenshot('auth-signed-in');

      const status = await nb.runCell('%auth status');
      await nb.waitForOutput(status, { text: `Active identity: ${EMAIL}` });
    }),
    step('runs a %%bq cell against the emulator and sees the rendered table', async (nb) => {
      const cell = await nb.runCell('%%bq\nSELECT name, score FROM ds.people ORDER BY id');
      // A header per column: its name over its type.
      await nb.waitForOutput(cell, { mime: 'text/html', selector: 'table th', text: /^\s*name\s*STRING\s*$/ });
      await nb.waitForOutput(cell, { mime: 'text/html', selector: 'table th', text: /^\s*score\s*FLOAT64\s*$/ });
      assert.equal(await nb.errorOutputs(cell).count(), 0, 'the %%bq cell printed an error');
      const table = nb.outputs(cell).locator('table').filter({ has: nb.page.locator('th', { hasText: 'score' }) }).first();
      const rows = table.locator('tbody tr');
      assert.equal(await rows.count(), 5, await table.innerText());
      const text = await table.innerText();
      // HTML in the data is shown as text, never run; non-ASCII survives.
      for (const want of ['<script>alert(1)</script>', 'Zoë', '2.25', '1.5', 'NULL']) {
        assert.ok(text.includes(want), `table lacks ${want}: ${text}`);
      }
      // The footer: the query ran as the signed-in user.
      await nb.waitForOutput(cell, { text: `ran as ${EMAIL}` });
      assert.equal(await nb.outputs(cell).locator('script, img').count(), 0, 'data was rendered as HTML');
      await nb.show(table);
      await nb.screenshot('bq-table');
    }),
    step('draws a --chart and a chart of Go slices as Vega-Lite (a canvas or SVG in the output)', async (nb) => {
      const cell = await nb.runCell('%%bq --chart bar:x=region,y=amount,color=ok --max-rows 2\nSELECT region, amount, ok FROM ds.eda ORDER BY id');
      // vega-embed's own container: the front end's Vega-Lite renderer ran.
      const drawn = await nb.waitForOutput(cell, { selector: '.vega-embed canvas, .vega-embed svg.marks' });
      assert.equal(await nb.errorOutputs(cell).count(), 0, 'the --chart cell printed an error');
      // The front end drew it: a sized drawing, not an empty box.
      const box = await drawn.boundingBox();
      assert.ok(box && box.width > 200 && box.height > 150, `chart box ${JSON.stringify(box)}`);
      // Vega-Lite's own error banner is absent.
      assert.equal(await nb.outputs(cell).locator('.vega-embed .error, .jp-RenderedVegaCommon5 .error').count(), 0, 'Vega reported an error');
      // The table still follows the chart.
      await nb.waitForOutput(cell, { mime: 'text/html', selector: 'table th', text: /^\s*region\s*STRING\s*$/ });
      await nb.show(drawn);
      await nb.screenshot('bq-chart');

      const go = await nb.runCell('import "gokernel/display"\nxs := []float64{1, 2, 2, 3, 3, 3, 4, 4, 5}\ndisplay.Histogram(xs).WithTitle("values")');
      const hist = await nb.waitForOutput(go, { selector: '.vega-embed canvas, .vega-embed svg.marks' });
      assert.equal(await nb.errorOutputs(go).count(), 0, 'the Histogram cell printed an error');
      await nb.show(hist);
      await nb.screenshot('go-histogram');
    }),
    step('stops the test servers; no secret the OAuth server issued is on the page', async (nb, _ctx, rig) => {
      const html = await nb.page.content();
      const text = await nb.page.locator('body').innerText();
      const secrets = await rig.stop();
      assert.ok(secrets.length >= 5, `the OAuth server recorded ${secrets.length} secrets`);
      const leaked = secrets.filter((s) => html.includes(s) || text.includes(s));
      assert.deepEqual(
        leaked.map((s) => `${s.length} chars`),
        [],
        'secrets on the page',
      );
    }),
  ],
};
