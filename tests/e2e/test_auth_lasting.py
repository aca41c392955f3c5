"""%auth that lasts (issue 12), end to end: real gokernel processes driven by
jupyter_client, the real OAuth server (ory fosite, internal/oauthtest) and
the BigQuery emulator, all on loopback.

Between the kernels and the emulator sits Gate, a small reverse proxy that
plays Google's front end: every request must carry a bearer token, which
Gate introspects at the OAuth server (RFC 7662) *when the request arrives*
(the server rotates tokens, so later is too late) and records whose it was.
A request without a token, or with a dead one, is refused with 401 and
recorded as such. So "this query ran as alice" is checked at the server,
and "no request went out without a token" is a count Gate keeps.

The emulator ignores Authorization; Gate is what makes identity observable.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import run, stdout_of
from test_auth import EMAIL, Kernel, OAuthServer, cred_path, login, start_login, finish, browse, status
from test_bq import PROJECT, emulator  # noqa: F401  (the module-scoped emulator fixture)

ROOT = Path(__file__).parents[2]
BOB = "bob@example.com"
CAROL = "carol@example.com"
VM_SA = "vm-service-account@example.com"


# --- the gate ------------------------------------------------------------------


class Gate:
    """Reverse proxy to the emulator that demands a live bearer token."""

    HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
           "proxy-connection", "content-length", "host"}

    def __init__(self, upstream, oauth):
        self.upstream = upstream
        self.oauth = oauth
        self.lock = threading.Lock()
        self.seen = []  # dicts: method, path, token (or None), active, username, client_id
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else None

            def _reply(self, code, headers, body):
                self.send_response(code)
                for k, v in headers:
                    if k.lower() not in Gate.HOP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                body = self._body()
                auth = self.headers.get("Authorization", "")
                tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
                rec = {"method": self.command, "path": self.path, "token": tok, "active": False}
                if tok:
                    rec.update(gate.introspect(tok))
                with gate.lock:
                    gate.seen.append(rec)
                if not rec["active"]:
                    err = json.dumps({"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                                "status": "UNAUTHENTICATED"}}).encode()
                    return self._reply(401, [("Content-Type", "application/json")], err)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in Gate.HOP}
                req = urllib.request.Request(gate.upstream + self.path, data=body, method=self.command, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        return self._reply(r.status, r.getheaders(), r.read())
                except urllib.error.HTTPError as e:
                    return self._reply(e.code, e.headers.items(), e.read())

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def introspect(self, tok):
        return introspect(self.oauth, tok)

    def requests(self):
        with self.lock:
            return list(self.seen)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def introspect(oauth, tok):
    """RFC 7662 at the OAuth server, as a resource server does."""
    form = urllib.parse.urlencode({"token": tok}).encode()
    req = urllib.request.Request(oauth.url + "/introspect", data=form)
    cred = base64.b64encode(f"{urllib.parse.quote(oauth.client_id)}:{urllib.parse.quote(oauth.client_secret)}".encode()).decode()
    req.add_header("Authorization", "Basic " + cred)
    with urllib.request.urlopen(req, timeout=10) as r:
        body = json.load(r)
    return {"active": bool(body.get("active")), "username": body.get("username"), "client_id": body.get("client_id")}


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def oauthserver_bin(tmp_path_factory):
    out = tmp_path_factory.mktemp("oauthserver-bin") / "oauthserver"
    subprocess.run(["go", "build", "-o", str(out), "./internal/oauthtest/cmd/oauthserver"], cwd=ROOT, check=True, timeout=600)
    return out


def start_oauth(binary, tmp, *args):
    return OAuthServer(binary, tmp, args=args)


@pytest.fixture
def oauth(oauthserver_bin, tmp_path):
    srv = start_oauth(oauthserver_bin, tmp_path)
    yield srv
    stop(srv)


def stop(srv):
    if srv._secrets is None:
        try:
            srv.stop()
        except Exception:
            srv.proc.kill()


@pytest.fixture
def gate(emulator, oauth):  # noqa: F811
    g = Gate(emulator.url, oauth)
    yield g
    g.close()


@pytest.fixture
def config_home(tmp_path):
    d = tmp_path / "config"
    d.mkdir()
    return d


class Kernels:
    """Starts kernels sharing one config directory, all pointed at the gate."""

    def __init__(self, tmp, config_home, gate):
        self.tmp, self.config_home, self.gate = tmp, config_home, gate
        self.started = []

    def start(self, name, **env):
        e = {"GOKERNEL_BIGQUERY_ENDPOINT": self.gate.url, "GOOGLE_CLOUD_PROJECT": PROJECT}
        e.update(env)
        k = Kernel(self.tmp, self.config_home, name, extra_env=e)
        self.started.append(k)
        return k

    def close(self):
        for k in self.started:
            try:
                k.close()
            except Exception:
                pass


@pytest.fixture
def kernels(tmp_path, config_home, gate):
    ks = Kernels(tmp_path, config_home, gate)
    yield ks
    ks.close()


# --- helpers --------------------------------------------------------------------


def bq(k, sql="SELECT 1 AS one"):
    reply, out = run(k.kc, "%%bq\n" + sql, timeout=90)
    return reply, out


def bq_ok(k, sql="SELECT 1 AS one"):
    reply, out = bq(k, sql)
    assert reply["content"]["status"] == "ok", (reply["content"].get("evalue"), reply["content"].get("traceback"))
    plain = [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"]
    assert len(plain) == 1, out
    return plain[0]


def since(gate, n):
    return gate.requests()[n:]


def assert_all_as(reqs, email, client_id):
    assert reqs, "no request reached the gate"
    for r in reqs:
        assert r["token"], ("a request without a token", r["method"], r["path"])
        assert r["active"] and r["username"] == email and r["client_id"] == client_id, (r["method"], r["path"], r["active"], r["username"])


def user_token(oauth, email):
    """A refresh token for email from a real authorization-code + PKCE flow
    (the server signs in the login_hint account)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:1/"
    q = urllib.parse.urlencode({"response_type": "code", "client_id": oauth.client_id, "redirect_uri": redirect,
                                "scope": "openid https://www.googleapis.com/auth/cloud-platform", "state": "s" * 32,
                                "code_challenge": challenge, "code_challenge_method": "S256", "access_type": "offline",
                                "login_hint": email})
    landed = browse(oauth, oauth.url + "/auth?" + q)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(landed).query)["code"][0]
    form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                                   "client_id": oauth.client_id, "client_secret": oauth.client_secret,
                                   "code_verifier": verifier}).encode()
    with urllib.request.urlopen(oauth.url + "/token", data=form, timeout=10) as r:
        return json.load(r)["refresh_token"]


def revoke(oauth, tok):
    form = urllib.parse.urlencode({"token": tok, "client_id": oauth.client_id, "client_secret": oauth.client_secret}).encode()
    with urllib.request.urlopen(oauth.url + "/revoke", data=form, timeout=10) as r:
        assert r.status == 200


def no_secret_in(kernels_, secrets_):
    secrets_ = {s for s in secrets_ if s}
    for k in kernels_:
        log = k.log()
        for s in secrets_:
            assert s not in log, f"{k.log_path.name}: a secret ({len(s)} chars)"
        for d, ch, m in k.rec.messages:
            if d == "sent" and m["msg_type"] == "input_reply":
                continue
            blob = json.dumps(m, default=str)
            for s in secrets_:
                assert s not in blob, f"{d} {ch} {m['msg_type']}: a secret"


# --- tests ----------------------------------------------------------------------


def test_sign_in_is_next_kernels_identity_and_logout_from_it(kernels, oauth, gate, config_home):
    a = kernels.start("kernel-a")
    reply, out = login(a, oauth)
    assert reply["content"]["status"] == "ok", reply["content"]
    n = len(gate.requests())
    table = bq_ok(a)
    assert_all_as(since(gate, n), EMAIL, oauth.client_id)

    # Kernel B: same config directory, no %auth cell at all.
    b = kernels.start("kernel-b")
    text = status(b)
    assert f"Active identity: {EMAIL} (your Google account, via %auth)" in text, text
    assert "Chosen by:       the sign-in cache: the account last chosen" in text, text
    n = len(gate.requests())
    table = bq_ok(b)
    assert f"ran as {EMAIL} (your Google account, via %auth)" in table, table
    seen_b = since(gate, n)
    assert_all_as(seen_b, EMAIL, oauth.client_id)
    assert any("/queries" in r["path"] or "/jobs" in r["path"] for r in seen_b), [r["path"] for r in seen_b]

    # logout --revoke from B, which never signed in.
    cred = json.loads(cred_path(config_home).read_text())
    reply, out = run(b.kc, "%auth logout --revoke")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert "its cached credential was deleted; the token was revoked at the server" in stdout_of(out), stdout_of(out)
    assert not cred_path(config_home).exists()
    assert not (config_home / "gokernel" / "identity.json").exists()
    assert introspect(oauth, cred["refresh_token"])["active"] is False
    for r in seen_b:
        assert introspect(oauth, r["token"])["active"] is False, "an access token B used is still active after revoke"

    # A notices the logout: an error, and no request without a token.
    n = len(gate.requests())
    reply, _ = bq(a)
    assert reply["content"]["status"] == "error", reply["content"]
    assert "signed out" in reply["content"]["evalue"], reply["content"]
    assert since(gate, n) == [], since(gate, n)
    no_secret_in([a, b], [cred["refresh_token"]] + [r["token"] for r in gate.requests()])


def test_revoked_refresh_token_no_fallback_no_request(kernels, oauth, gate, config_home, tmp_path):
    a = kernels.start("kernel-a")
    reply, _ = login(a, oauth)
    assert reply["content"]["status"] == "ok", reply["content"]
    revoke(oauth, json.loads(cred_path(config_home).read_text())["refresh_token"])
    # Application Default Credentials that would work (a real refresh token
    # of another account): falling back to them would show at the gate.
    adc = tmp_path / "adc.json"
    adc.write_text(json.dumps({"type": "authorized_user", "client_id": oauth.client_id, "client_secret": oauth.client_secret,
                               "refresh_token": user_token(oauth, VM_SA), "token_uri": oauth.url + "/token"}))
    adc.chmod(0o600)
    b = kernels.start("kernel-b", GOOGLE_APPLICATION_CREDENTIALS=str(adc))
    n = len(gate.requests())
    for _ in range(2):
        reply, _ = bq(b)
        assert reply["content"]["status"] == "error", reply["content"]
        assert reply["content"]["evalue"] == f"your sign-in for {EMAIL} expired: run %auth login", reply["content"]
    assert since(gate, n) == [], "a request went out: " + repr([(r["path"], r["username"]) for r in since(gate, n)])
    text = status(b)
    assert f"your sign-in for {EMAIL} expired: run %auth login" in text, text
    assert "Application Default Credentials" not in text.split("Cache:")[0], text


def test_two_kernels_share_a_rotating_credential(oauthserver_bin, emulator, tmp_path, config_home):  # noqa: F811
    # The server rotates the refresh token on every refresh, and (fosite)
    # revokes the grant's earlier access tokens then, and the whole grant if
    # a retired refresh token is ever presented again. Access tokens live
    # 15 s, which x/oauth2 treats as stale after 5 s (its 10 s margin): with
    # the kernels' queries 3 s apart, each kernel's query starts with a
    # refresh, alternately, always from the refresh token the other kernel
    # just wrote.
    srv = start_oauth(oauthserver_bin, tmp_path, "--access-token-lifespan", "15s")
    g = Gate(emulator.url, srv)
    ks = Kernels(tmp_path, config_home, g)
    try:
        a = ks.start("kernel-a")
        reply, _ = login(a, srv)
        assert reply["content"]["status"] == "ok", reply["content"]
        b = ks.start("kernel-b")
        files = set()
        for i in range(4):
            for k in (a, b):
                time.sleep(3)
                n = len(g.requests())
                table = bq_ok(k, f"SELECT {i} AS round")
                assert f"ran as {EMAIL}" in table, table
                assert_all_as(since(g, n), EMAIL, srv.client_id)
                files.add(json.loads(cred_path(config_home).read_text())["refresh_token"])
        assert len(files) >= 8, f"only {len(files)} distinct refresh tokens in the file over 8 queries: not rotating?"
        final = json.loads(cred_path(config_home).read_text())["refresh_token"]
        assert introspect(srv, final)["active"] is True, "the file does not end with a live refresh token"
        assert "rotated refresh token saved" in a.log() and "rotated refresh token saved" in b.log()
        assert "changed by another kernel" in a.log() and "changed by another kernel" in b.log()
        no_secret_in([a, b], files | {r["token"] for r in g.requests()})
    finally:
        ks.close()
        g.close()
        stop(srv)


def test_several_cached_accounts_no_guessing(kernels, oauth, gate, config_home):
    a = kernels.start("kernel-a")
    reply, _ = login(a, oauth)
    assert reply["content"]["status"] == "ok", reply["content"]
    msg_id, landed, _, early = start_login(a, oauth, f"--account {BOB} --force")
    a.kc.input(landed)
    reply, out = finish(a, msg_id, early)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert f"Signed in as {BOB}" in stdout_of(out), stdout_of(out)
    (config_home / "gokernel" / "identity.json").unlink()

    b = kernels.start("kernel-b")
    text = status(b)
    assert "Active identity: none" in text, text
    assert f"several Google accounts are cached ({EMAIL}, {BOB})" in text, text
    n = len(gate.requests())
    reply, _ = bq(b)
    assert reply["content"]["status"] == "error", reply["content"]
    assert f"several Google accounts are cached ({EMAIL}, {BOB})" in reply["content"]["evalue"], reply["content"]
    assert since(gate, n) == []

    reply, out = run(b.kc, f"%auth use {BOB}")
    assert reply["content"]["status"] == "ok", reply["content"]
    n = len(gate.requests())
    assert f"ran as {BOB}" in bq_ok(b)
    assert_all_as(since(gate, n), BOB, oauth.client_id)

    c = kernels.start("kernel-c")
    n = len(gate.requests())
    assert f"ran as {BOB}" in bq_ok(c)
    assert_all_as(since(gate, n), BOB, oauth.client_id)


@pytest.fixture(scope="module")
def gcloud_standin(tmp_path_factory):
    d = tmp_path_factory.mktemp("gcloud-standin")
    subprocess.run(["go", "build", "-o", str(d / "gcloud"), "./internal/oauthtest/cmd/gcloudstandin"], cwd=ROOT, check=True, timeout=600)
    return d


def test_use_gcloud_standin(kernels, oauth, gate, config_home, gcloud_standin, tmp_path):
    """%auth use gcloud with a stand-in gcloud (the real CLI cannot be
    installed here): tokens from "gcloud auth print-access-token", which the
    stand-in gets with a refresh grant from the real OAuth server."""
    sdk = tmp_path / "gcloud-config"
    sdk.mkdir()
    env = {"CLOUDSDK_CONFIG": str(sdk)}
    # Without gcloud on PATH (this machine has a real one in /usr/bin, so
    # PATH is cut down to Go and the venv): a clear message, nothing remembered.
    bare = os.pathsep.join(str(Path(p).parent) for p in (shutil.which("go"), sys.executable))
    k0 = kernels.start("kernel-no-gcloud", PATH=bare, **env)
    reply, _ = run(k0.kc, "%auth use gcloud")
    assert reply["content"]["status"] == "error", reply["content"]
    assert "needs the Google Cloud CLI" in reply["content"]["evalue"] and "not found on $PATH" in reply["content"]["evalue"], reply["content"]
    assert not (config_home / "gokernel" / "identity.json").exists()

    subprocess.run([str(gcloud_standin / "gcloud"), "auth", "login", CAROL, "--client-id-file", oauth.client_secrets_path],
                   check=True, env={**os.environ, **env}, capture_output=True, timeout=30)
    env["PATH"] = f"{gcloud_standin}{os.pathsep}{os.environ['PATH']}"
    k = kernels.start("kernel-gcloud", **env)
    reply, out = run(k.kc, "%auth use gcloud")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert f"now run as {CAROL} (gcloud CLI, via %auth use gcloud)" in stdout_of(out), stdout_of(out)
    text = status(k)
    assert "Type:            gcloud" in text and "auth print-access-token" in text, text
    n = len(gate.requests())
    assert f"ran as {CAROL} (gcloud CLI" in bq_ok(k)
    assert_all_as(since(gate, n), CAROL, oauth.client_id)

    # Remembered: the next kernel runs as gcloud's account with no cell.
    k2 = kernels.start("kernel-gcloud-2", **env)
    n = len(gate.requests())
    assert f"ran as {CAROL} (gcloud CLI, via %auth use gcloud)" in bq_ok(k2)
    assert_all_as(since(gate, n), CAROL, oauth.client_id)
    assert "Chosen by:       %auth use in an earlier kernel" in status(k2)
    runs = (sdk / "standin.log").read_text()
    assert runs.count("auth print-access-token") >= 2, runs
    no_secret_in([k, k2], [r["token"] for r in gate.requests()])


def test_use_real_gcloud(kernels, oauth, gate, config_home, tmp_path):
    """%auth use gcloud with the real Google Cloud CLI, where one is
    installed, pointed at the loopback OAuth server: gcloud's own client id,
    secret and token host are set to the test server's
    (CLOUDSDK_AUTH_CLIENT_ID/_SECRET/_TOKEN_HOST), and a refresh token from
    a real sign-in there is activated with gcloud auth activate-refresh-token.
    gcloud auth print-access-token then refreshes against the test server, so
    the token the kernel gets is one the server introspects. (gcloud auth
    login against Google itself is not run.)"""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        pytest.skip("no Google Cloud CLI on PATH: the stand-in test covers %auth use gcloud")
    sdk = tmp_path / "real-gcloud-config"
    sdk.mkdir()
    env = {"CLOUDSDK_CONFIG": str(sdk), "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
           "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true", "CLOUDSDK_CORE_CHECK_GCE_METADATA": "false",
           "CLOUDSDK_AUTH_TOKEN_HOST": oauth.url + "/token",
           "CLOUDSDK_AUTH_CLIENT_ID": oauth.client_id, "CLOUDSDK_AUTH_CLIENT_SECRET": oauth.client_secret}
    rt = user_token(oauth, CAROL)
    p = subprocess.run([gcloud, "auth", "activate-refresh-token", CAROL, rt], env={**os.environ, **env},
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    k = kernels.start("kernel-real-gcloud", **env)
    reply, out = run(k.kc, "%auth use gcloud", timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]
    assert f"now run as {CAROL} (gcloud CLI, via %auth use gcloud)" in stdout_of(out), stdout_of(out)
    assert "Type:            gcloud" in status(k)
    n = len(gate.requests())
    assert f"ran as {CAROL} (gcloud CLI" in bq_ok(k)
    assert_all_as(since(gate, n), CAROL, oauth.client_id)
    no_secret_in([k], [rt] + [r["token"] for r in gate.requests()])
