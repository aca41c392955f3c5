// The loopback test servers the %auth / %bq scenario needs, as child
// processes of the test run:
//
//   - the OAuth2 authorization server (internal/oauthtest/cmd/oauthserver,
//     ory fosite) that signs one fixed account in and consents at once;
//   - the BigQuery emulator (bin/bigquery-emulator, built by
//     scripts/build-emulator.sh), optionally loaded with a YAML data file.
//
// Plus `browseSignIn`, which plays the user's browser for the sign-in link:
// it follows redirects within the authorization server and stops at the
// redirect to the kernel's loopback listener (a browser on another machine
// could not reach it: the hosted-notebook case), returning that address for
// the user to paste.
//
// Every process started here is also killed when the test process exits, so
// a failed step never leaves one behind.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { ROOT, T } from './env.js';

const run = promisify(execFile);

/** The emulator binary scripts/build-emulator.sh builds. */
export const EMULATOR = process.env.GOKERNEL_BQ_EMULATOR || path.join(ROOT, 'bin', 'bigquery-emulator');

/** The data tests/e2e/test_bq.py loads: project "test", table ds.people. */
export const BQ_DATA = path.join(ROOT, 'tests', 'e2e', 'bqdata.yaml');

const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
});

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the first line matching re (its match), rejects on exit or timeout. */
function waitForLine(child, stream, re, what, timeout, onLine = () => {}) {
  return new Promise((resolve, reject) => {
    const seen = [];
    const rl = readline.createInterface({ input: stream });
    const timer = setTimeout(() => finish(new Error(`${what} did not announce itself within ${timeout} ms: ${seen.join(' | ')}`)), timeout);
    const onExit = (code, signal) => finish(new Error(`${what} exited (${code ?? signal}) before it was ready: ${seen.join(' | ')}`));
    let done = false;
    function finish(err, m) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m);
    }
    child.once('exit', onExit);
    rl.on('line', (line) => {
      onLine(line);
      if (done) return;
      seen.push(line);
      const m = line.match(re);
      if (m) finish(null, m);
    });
  });
}

let oauthBinary = null;

/** go build the oauthserver command once per test run (the build cache makes it quick). */
async function buildOAuthServer() {
  if (!oauthBinary) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gokernel-oauthserver-'));
    const out = path.join(dir, 'oauthserver');
    oauthBinary = run('go', ['build', '-o', out, './internal/oauthtest/cmd/oauthserver'], {
      cwd: ROOT,
      timeout: 10 * 60_000,
    }).then(() => out);
    oauthBinary.catch(() => {
      oauthBinary = null;
    });
  }
  return oauthBinary;
}

/**
 * Start the loopback OAuth2 server signing `email` in. Returns
 * {url, clientSecretsPath, clientId, email, log(), stop()}; stop() ends it
 * (end of file on its stdin) and resolves with every secret it issued or saw
 * (client secret, codes, PKCE verifiers, tokens).
 */
export async function startOAuthServer({ email = 'alice@example.com' } = {}) {
  const bin = await buildOAuthServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gokernel-oauth-'));
  const secretsOut = path.join(dir, 'secrets.json');
  const logPath = path.join(dir, 'oauthserver.log');
  const logFd = fs.openSync(logPath, 'a');
  const child = track(spawn(bin, ['--email', email, '--secrets-out', secretsOut], { stdio: ['pipe', 'pipe', logFd] }));
  fs.closeSync(logFd);
  const log = () => fs.readFileSync(logPath, 'utf8');
  let info;
  try {
    const m = await waitForLine(child, child.stdout, /^\{.*\}$/, 'oauthserver', T.ui);
    info = JSON.parse(m[0]);
  } catch (err) {
    child.kill('SIGKILL');
    err.message += `\n${log().slice(-2000)}`;
    throw err;
  }
  child.stdout.resume();
  let stopped = null;
  return {
    url: info.url,
    clientSecretsPath: info.client_secrets_path,
    clientId: info.client_id,
    email: info.email,
    log,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.stdin.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(timer);
        }
        return fs.existsSync(secretsOut) ? JSON.parse(fs.readFileSync(secretsOut, 'utf8')) : [];
      })();
      return stopped;
    },
  };
}

/**
 * Start bin/bigquery-emulator on 127.0.0.1 with OS-chosen ports for project
 * `project`, loaded with the YAML file `data` if given. Returns
 * {url, port, project, log(), stop()}.
 */
export async function startEmulator({ project = 'test', data = null } = {}) {
  if (!fs.existsSync(EMULATOR)) {
    throw new Error(`${EMULATOR} is missing: ./scripts/build-emulator.sh builds it`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gokernel-bqemu-'));
  const logPath = path.join(dir, 'bigquery-emulator.log');
  const logFd = fs.openSync(logPath, 'a');
  const args = ['--host=127.0.0.1', '--port=0', '--grpc-port=0', `--project=${project}`, '--log-level=error'];
  if (data) args.push(`--data-from-yaml=${data}`);
  const child = track(spawn(EMULATOR, args, { stdio: ['ignore', 'pipe', logFd] }));
  fs.closeSync(logFd);
  const log = () => fs.readFileSync(logPath, 'utf8');
  let m;
  try {
    // [bigquery-emulator] REST server listening at 127.0.0.1:44919
    // Every stdout line is kept in the log, so the pipe never fills up.
    m = await waitForLine(child, child.stdout, /REST server listening at 127\.0\.0\.1:(\d+)/, 'bigquery-emulator', T.server, (line) =>
      fs.appendFileSync(logPath, line + '\n'),
    );
  } catch (err) {
    child.kill('SIGKILL');
    err.message += `\n${log().slice(-2000)}`;
    throw err;
  }
  const port = Number(m[1]);
  let stopped = null;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    project,
    log,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

/**
 * Play the user's browser on the sign-in link authUrl: request it without
 * following redirects automatically, follow those that stay on the
 * authorization server, and return the address of the first redirect that
 * leaves it (the kernel's loopback redirect_uri on 127.0.0.1), which is
 * never requested.
 */
export async function browseSignIn(oauth, authUrl) {
  const server = new URL(oauth.url);
  let url = new URL(authUrl);
  if (url.origin !== server.origin) throw new Error(`sign-in link is not on the authorization server ${server.origin}: ${authUrl}`);
  for (let hops = 0; hops < 10; hops++) {
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`authorization server answered ${res.status} without redirecting to the kernel: ${(await res.text()).slice(0, 500)}`);
    }
    await res.arrayBuffer();
    const next = new URL(location, url);
    if (next.origin !== server.origin) {
      if (next.hostname !== '127.0.0.1') throw new Error(`redirected off the authorization server, but not to loopback: ${next.origin}`);
      return next.href;
    }
    url = next;
  }
  throw new Error('too many redirects on the authorization server');
}
