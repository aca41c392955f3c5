// Paths and settings shared by the browser tests. Everything can be
// overridden from the environment; the defaults match scripts/test.sh.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root. */
export const ROOT = process.env.GOKERNEL_ROOT || path.resolve(here, '..', '..', '..');

/** The virtual environment holding jupyterlab and notebook. */
export const VENV = process.env.GOKERNEL_VENV || path.join(ROOT, '.venv');

/** The jupyter command that starts the servers. */
export const JUPYTER = process.env.JUPYTER || path.join(VENV, 'bin', 'jupyter');

/** The private Jupyter data dir with the gokernel kernelspec (test.sh installs it). */
export const DATA_DIR = process.env.JUPYTER_DATA_DIR || path.join(ROOT, '.cache', 'jupyter-data');

/** Kernelspec name and the display name front ends show. */
export const KERNEL_NAME = process.env.GOKERNEL_KERNEL_NAME || 'gokernel';
export const KERNEL_DISPLAY = process.env.GOKERNEL_KERNEL_DISPLAY || 'Go';

/** Debian's Chromium; Playwright never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Screenshots (test artifacts). */
export const ARTIFACTS = process.env.GOKERNEL_BROWSER_ARTIFACTS || path.join(ROOT, 'artifacts', 'browser');

/** The tour notebook the scenarios open. */
export const TOUR = path.join(ROOT, 'examples', 'tour.ipynb');

/**
 * Timeouts in ms. The test machine can have 2 busy cores: a JupyterLab page
 * load or a kernel start can take tens of seconds. GOKERNEL_BROWSER_SLOWDOWN
 * multiplies them all.
 */
const slow = Number(process.env.GOKERNEL_BROWSER_SLOWDOWN || 1);
export const T = {
  server: 180_000 * slow, // jupyter server answering /api/status
  page: 180_000 * slow, // the notebook rendered
  kernel: 120_000 * slow, // kernel start / restart until idle
  cell: 90_000 * slow, // one cell to finish
  runAll: 240_000 * slow, // all cells of a notebook
  ui: 30_000 * slow, // a button, a dialog
};

/** Fail early, with the fix, when the test command did not prepare the machine. */
export function checkPrerequisites() {
  const problems = [];
  if (!fs.existsSync(CHROMIUM)) {
    problems.push(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium (or set CHROMIUM)`);
  }
  if (!fs.existsSync(JUPYTER)) {
    problems.push(`${JUPYTER} is missing: ${VENV}/bin/pip install jupyterlab notebook (or set JUPYTER)`);
  }
  const spec = path.join(DATA_DIR, 'kernels', KERNEL_NAME, 'kernel.json');
  if (!fs.existsSync(spec)) {
    problems.push(`${spec} is missing: JUPYTER_DATA_DIR=${DATA_DIR} ./bin/gokernel install --user`);
  }
  if (problems.length) {
    throw new Error('browser tests are not set up:\n  ' + problems.join('\n  '));
  }
}
