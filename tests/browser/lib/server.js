// Real Jupyter servers (JupyterLab 4: `jupyter lab`, Notebook 7:
// `jupyter notebook`) on 127.0.0.1 with a token, a temporary root dir and
// private config/runtime/workspace dirs, and the data dir that holds the
// gokernel kernelspec.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, JUPYTER, T } from './env.js';

/** A free TCP port on 127.0.0.1 (the server is told not to retry others). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// User settings that keep the page free of pop-ups unrelated to the test
// (the "official Jupyter news?" toast, update checks).
function writeSettings(settingsDir) {
  const dir = path.join(settingsDir, '@jupyterlab', 'apputils-extension');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'notification.jupyterlab-settings'),
    JSON.stringify({ fetchNews: 'false', checkForUpdates: false }),
  );
}

/**
 * Start `jupyter <app>` (app: 'lab' or 'notebook') serving a fresh root dir.
 * files: {name: sourcePath} copied into the root dir.
 * env: extra environment for the server, which its kernels inherit (e.g.
 * GOKERNEL_BIGQUERY_ENDPOINT, XDG_CONFIG_HOME).
 * Returns {app, url, token, port, root, log(), stop()}.
 */
export async function startServer(app, { files = {}, env: extraEnv = {} } = {}) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), `gokernel-${app}-`));
  const root = path.join(base, 'root');
  fs.mkdirSync(root);
  for (const [name, src] of Object.entries(files)) {
    fs.copyFileSync(src, path.join(root, name));
  }
  const settings = path.join(base, 'settings');
  writeSettings(settings);

  const port = await freePort();
  const token = crypto.randomBytes(24).toString('hex');
  const args = [
    app,
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${root}`,
    `--IdentityProvider.token=${token}`,
  ];
  if (process.getuid && process.getuid() === 0) args.push('--allow-root');

  const env = {
    ...process.env,
    ...extraEnv,
    JUPYTER_DATA_DIR: DATA_DIR,
    JUPYTER_CONFIG_DIR: path.join(base, 'config'),
    JUPYTER_RUNTIME_DIR: path.join(base, 'runtime'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(base, 'workspaces'),
    JUPYTERLAB_SETTINGS_DIR: settings,
    // The kernelspec must come from DATA_DIR, not from a user-wide install.
    JUPYTER_PATH: '',
  };
  const logPath = path.join(base, 'server.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = spawn(JUPYTER, args, { env, stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const url = `http://127.0.0.1:${port}`;
  const log = () => fs.readFileSync(logPath, 'utf8');
  const deadline = Date.now() + T.server;
  for (;;) {
    if (exited) {
      throw new Error(`jupyter ${app} exited (${JSON.stringify(exited)}) before it was ready:\n${log().slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`jupyter ${app} did not answer within ${T.server} ms:\n${log().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const api = async (method, p, body) => {
    const res = await fetch(`${url}${p}`, {
      method,
      headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };

  async function stop() {
    if (exited) return;
    const done = new Promise((r) => child.once('exit', r));
    // SIGTERM: the server shuts its kernels down, then exits.
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = new Promise((r) => setTimeout(r, 20_000, 'timeout'));
    if ((await Promise.race([done, timer])) === 'timeout') {
      try {
        process.kill(-child.pid, 'SIGKILL'); // its process group: kernels left behind
      } catch {
        // gone
      }
    }
  }

  return { app, url, token, port, root, base, log, api, stop };
}
