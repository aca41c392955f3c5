"""%auth end to end: a real gokernel process, driven by jupyter_client, signs
in against a real OAuth2 authorization server (ory fosite, run by
internal/oauthtest/cmd/oauthserver) on loopback.

The test plays both people: the user's browser (Python urllib opens the
authorization link; the server signs alice@example.com in and consents at
once, then redirects to the kernel's loopback listener, a redirect the
"browser" does not follow: it is on another machine, the hosted case) and the
user at the notebook, who pastes the address the browser landed on into the
password input_request.

Each test gets its own server and its own kernel with XDG_CONFIG_HOME in a
temporary directory, so credentials never touch the real home directory.
"""
import html
import json
import os
import queue
import re
import select
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager

from conftest import KERNEL, collect, get_reply, result_of, run, stdout_of

ROOT = Path(__file__).parents[2]
EMAIL = "alice@example.com"
LINK_PREFIX = "Sign in with Google: "


# --- the authorization server ----------------------------------------------


@pytest.fixture(scope="module")
def oauthserver_bin(tmp_path_factory):
    out = tmp_path_factory.mktemp("oauthserver-bin") / "oauthserver"
    subprocess.run(["go", "build", "-o", str(out), "./internal/oauthtest/cmd/oauthserver"],
                   cwd=ROOT, check=True, timeout=600)
    return out


class OAuthServer:
    """The oauthserver command: started, announced, stopped, its secrets read."""

    def __init__(self, binary, tmp, email=EMAIL, args=()):
        self.secrets_out = tmp / "server-secrets.json"
        self.log_path = tmp / "oauthserver.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(binary), "--email", email, "--secrets-out", str(self.secrets_out), *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        if not ready:
            self.proc.kill()
            raise RuntimeError("oauthserver did not announce itself within 30 s")
        line = self.proc.stdout.readline()
        info = json.loads(line)
        self.url = info["url"]
        self.client_secrets_path = info["client_secrets_path"]
        installed = json.loads(Path(self.client_secrets_path).read_text())["installed"]
        self.client_id = installed["client_id"]
        self.client_secret = installed["client_secret"]
        self.netloc = urllib.parse.urlsplit(self.url).netloc
        # With --service-account: the GCE metadata server stand-in, for $GCE_METADATA_HOST.
        self.metadata_host = info.get("metadata_host")
        self._secrets = None

    def stop(self):
        """Stops the server (stdin EOF) and returns every secret it recorded."""
        if self._secrets is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
            self._log.close()
            assert self.proc.returncode == 0, self.log_path.read_text()
            self._secrets = json.loads(self.secrets_out.read_text())
        return self._secrets

    def refresh(self, refresh_token):
        """Posts a refresh grant; returns (HTTP status, JSON body)."""
        form = urllib.parse.urlencode({
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": self.client_id, "client_secret": self.client_secret,
        }).encode()
        try:
            with urllib.request.urlopen(self.url + "/token", data=form, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)


@pytest.fixture
def oauth(oauthserver_bin, tmp_path):
    srv = OAuthServer(oauthserver_bin, tmp_path)
    try:
        yield srv
    finally:
        if srv._secrets is None:
            try:
                srv.stop()
            except Exception:
                srv.proc.kill()


class Landed(Exception):
    """The browser was sent off the authorization server: to the kernel."""

    def __init__(self, url):
        super().__init__(url)
        self.url = url


class _StopAtClient(urllib.request.HTTPRedirectHandler):
    """Follows redirects within the authorization server; stops at the
    client's loopback redirect_uri, which a browser on another machine could
    not reach anyway."""

    def __init__(self, server_netloc):
        self.server_netloc = server_netloc

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        if urllib.parse.urlsplit(newurl).netloc != self.server_netloc:
            raise Landed(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def browse(oauth, auth_url):
    """Plays the user's browser; returns the address it lands on."""
    assert auth_url.startswith(oauth.url + "/auth?"), auth_url
    opener = urllib.request.build_opener(_StopAtClient(oauth.netloc))
    try:
        with opener.open(auth_url, timeout=10) as r:
            body = r.read(2000)
    except Landed as landed:
        u = urllib.parse.urlsplit(landed.url)
        assert u.hostname == "127.0.0.1" and u.port != urllib.parse.urlsplit(oauth.url).port, landed.url
        return landed.url
    except urllib.error.HTTPError as e:
        pytest.fail(f"authorization server refused the link: {e.code} {e.read(2000)!r}")
    pytest.fail(f"authorization server did not redirect to the kernel: {body!r}")


# --- the kernel -------------------------------------------------------------


class Recorder:
    """Keeps every message that crosses the client's channels, both ways:
    everything the client sends (through its Session) and everything it reads
    from shell, iopub, stdin and control."""

    def __init__(self, kc):
        self.kc = kc
        self.messages = []  # (direction, channel, msg)
        send = kc.session.send

        def recording_send(stream, msg_or_type, *a, **kw):
            msg = send(stream, msg_or_type, *a, **kw)
            self.messages.append(("sent", self._name(stream), msg))
            return msg

        kc.session.send = recording_send
        for name in ("shell", "iopub", "stdin", "control"):
            ch = getattr(kc, name + "_channel")
            ch.get_msg = self._recording_get(name, ch.get_msg)

    def _name(self, stream):
        for name in ("shell", "iopub", "stdin", "control"):
            if getattr(getattr(self.kc, name + "_channel"), "socket", None) is stream:
                return name
        return "?"

    def _recording_get(self, name, get):
        def recording_get(*a, **kw):
            msg = get(*a, **kw)
            self.messages.append(("received", name, msg))
            return msg
        return recording_get

    def drain(self):
        """Reads (and so records) whatever is still queued."""
        for name in ("shell", "iopub", "stdin", "control"):
            ch = getattr(self.kc, name + "_channel")
            while True:
                try:
                    ch.get_msg(timeout=0.2)
                except queue.Empty:
                    break


class Kernel:
    """A gokernel with its own XDG_CONFIG_HOME and its stderr (the kernel's
    and its interpreter process's log) in a file."""

    def __init__(self, tmp, config_home, name="kernel", extra_env=None):
        self.config_home = config_home
        self.log_path = tmp / f"{name}.log"
        self._log = open(self.log_path, "wb")
        env = dict(os.environ)
        env["XDG_CONFIG_HOME"] = str(config_home)
        env["GOKERNEL_LOG_LEVEL"] = "DEBUG"  # the most the kernel ever logs
        # Nothing from the environment may pick the client or the identity.
        for k in ("GOKERNEL_CLIENT_SECRETS", "GOOGLE_APPLICATION_CREDENTIALS"):
            env.pop(k, None)
        env.update(extra_env or {})
        self.km = KernelManager(kernel_name=KERNEL)
        self.km.start_kernel(env=env, stderr=self._log)
        self.kc = self.km.client()
        self.rec = Recorder(self.kc)
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def close(self):
        try:
            # Shut down through this client, so the control channel's
            # traffic is recorded too.
            if self.km.is_alive():
                shut_id = self.kc.shutdown()
                get_reply(self.kc, shut_id, timeout=10, channel="control")
            self.rec.drain()
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)
            self._log.close()


@pytest.fixture
def config_home(tmp_path):
    d = tmp_path / "config"
    d.mkdir()
    return d


@pytest.fixture
def kernel(tmp_path, config_home):
    k = Kernel(tmp_path, config_home)
    try:
        yield k
    finally:
        k.close()


# --- one login ---------------------------------------------------------------


def sign_in_link(kc, msg_id, timeout=20):
    """Reads iopub up to the display of the sign-in link; returns its URL
    and the messages read."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        seen.append(msg)
        if msg["msg_type"] == "display_data":
            data = msg["content"]["data"]
            m = re.search(r'<a href="([^"]+)"', data["text/html"])
            assert m, data["text/html"]
            url = html.unescape(m.group(1))
            plain = data["text/plain"]
            assert plain.startswith(LINK_PREFIX), plain
            assert plain[len(LINK_PREFIX):].split("\n", 1)[0] == url, "text/plain twin has another link"
            return url, seen
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            pytest.fail(f"the cell ended without showing a sign-in link: {seen}")


def start_login(k, oauth, extra=""):
    """Runs %auth login up to its password prompt; returns
    (msg_id, landing address, input_request, iopub messages so far)."""
    msg_id = k.kc.execute(f"%auth login --client-secrets {oauth.client_secrets_path} {extra}".strip(),
                          allow_stdin=True)
    url, early = sign_in_link(k.kc, msg_id)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert q["code_challenge_method"] == ["S256"] and q["access_type"] == ["offline"], q
    assert len(q["state"][0]) >= 32
    landed = browse(oauth, url)
    req = k.kc.get_stdin_msg(timeout=10)
    assert req["msg_type"] == "input_request"
    assert req["parent_header"]["msg_id"] == msg_id
    assert req["content"]["password"] is True, req["content"]
    assert "paste" in req["content"]["prompt"].lower()
    return msg_id, landed, req, early


def finish(k, msg_id, early, timeout=30):
    reply, rest = collect(k.kc, msg_id, timeout=timeout)
    return reply, early + rest


def login(k, oauth, answer=lambda landed: landed):
    msg_id, landed, _, early = start_login(k, oauth)
    k.kc.input(answer(landed))
    return finish(k, msg_id, early)


def cred_path(config_home, email=EMAIL):
    return config_home / "gokernel" / "credentials" / f"{email}.json"


def assert_signed_in(k, reply, out):
    assert reply["content"]["status"] == "ok", reply["content"]
    text = stdout_of(out)
    path = cred_path(k.config_home)
    assert f"Signed in as {EMAIL}" in text, text
    assert str(path) in text, text
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, oct(path.parent.stat().st_mode)
    cred = json.loads(path.read_text())
    assert cred["type"] == "authorized_user" and cred["account"] == EMAIL and cred["refresh_token"]
    return cred


def status(k):
    reply, out = run(k.kc, "%auth status")
    assert reply["content"]["status"] == "ok", reply["content"]
    return stdout_of(out)


# --- tests --------------------------------------------------------------------


def test_login_paste_url_status_logout(kernel, oauth):
    reply, out = login(kernel, oauth)
    cred = assert_signed_in(kernel, reply, out)
    # The kernel really holds tokens the server issued: the saved refresh
    # token is one the server recorded.
    text = status(kernel)
    assert f"Active identity: {EMAIL}" in text, text
    assert "Google user account" in text and oauth.client_id in text, text
    assert f"Credentials:     {cred_path(kernel.config_home)}" in text, text
    assert "valid until" in text, text

    reply, out = run(kernel.kc, "%auth logout --revoke")
    assert reply["content"]["status"] == "ok", reply["content"]
    text = stdout_of(out)
    assert f"Signed out of {EMAIL}" in text and "revoked at the server" in text, text
    assert not cred_path(kernel.config_home).exists()
    # Revoked for real: the server refuses the refresh token now.
    code, body = oauth.refresh(cred["refresh_token"])
    assert code == 400 and body["error"] == "invalid_grant", (code, body)
    assert cred["refresh_token"] in oauth.stop()


@pytest.mark.parametrize("form", ["query", "code"])
def test_login_paste_query_or_bare_code(kernel, oauth, form):
    def answer(landed):
        q = urllib.parse.urlsplit(landed).query
        return q if form == "query" else urllib.parse.parse_qs(q)["code"][0]

    reply, out = login(kernel, oauth, answer)
    assert_signed_in(kernel, reply, out)
    assert f"Active identity: {EMAIL}" in status(kernel)


def test_login_tampered_state_refused(kernel, oauth):
    issued = []

    def tamper(landed):
        u = urllib.parse.urlsplit(landed)
        q = urllib.parse.parse_qs(u.query)
        issued.append(q["code"][0])
        # Another first character (the state is random: "x" + rest was
        # the same state once in 64 runs).
        s = q["state"][0]
        q["state"] = [("y" if s[0] == "x" else "x") + s[1:]]
        return urllib.parse.urlunsplit(u._replace(query=urllib.parse.urlencode(q, doseq=True)))

    reply, out = login(kernel, oauth, tamper)
    assert reply["content"]["status"] == "error"
    assert "state" in reply["content"]["evalue"], reply["content"]
    assert not cred_path(kernel.config_home).exists()
    assert "Signed in" not in stdout_of(out)
    # The code was never exchanged: the server saw no verifier and issued no
    # token, only the code itself.
    assert oauth.stop() == [oauth.client_secret, issued[0]]


def test_login_local_browser(kernel, oauth):
    """The browser runs on the kernel's machine: it follows the redirect to
    the kernel's loopback listener, and the login completes without a paste."""
    msg_id, landed, _, early = start_login(kernel, oauth)
    with urllib.request.urlopen(landed, timeout=10) as r:
        page = r.read().decode()
    assert r.status == 200 and "Signed in" in page, page
    reply, out = finish(kernel, msg_id, early)
    assert_signed_in(kernel, reply, out)
    assert f"Active identity: {EMAIL}" in status(kernel)


def test_login_without_stdin_fails_at_once(kernel, oauth):
    t0 = time.monotonic()
    reply, out = run(kernel.kc, f"%auth login --client-secrets {oauth.client_secrets_path}", timeout=10,
                     allow_stdin=False)
    assert time.monotonic() - t0 < 5
    assert reply["content"]["status"] == "error"
    assert "allow_stdin" in reply["content"]["evalue"], reply["content"]
    with pytest.raises(queue.Empty):
        kernel.kc.get_stdin_msg(timeout=0.5)
    assert not cred_path(kernel.config_home).exists()


def test_interrupt_during_prompt(kernel, oauth):
    msg_id, _, _, _ = start_login(kernel, oauth)
    t0 = time.monotonic()
    int_id = kernel.kc.session.send(kernel.kc.control_channel.socket, "interrupt_request", {})["header"]["msg_id"]
    get_reply(kernel.kc, int_id, timeout=5, channel="control")
    reply = get_reply(kernel.kc, msg_id, timeout=10)
    assert time.monotonic() - t0 < 5
    assert reply["content"]["status"] == "error", reply["content"]
    assert "interrupt" in (reply["content"]["ename"] + reply["content"]["evalue"]).lower(), reply["content"]
    assert not cred_path(kernel.config_home).exists()
    assert kernel.km.is_alive()
    # Sent right after the error reply: the kernel must run it, not abort it
    # as part of the failed cell's queue.
    reply, out = run(kernel.kc, "1+1")
    assert reply["content"]["status"] == "ok", reply["content"]
    assert result_of(out) == "2", out


def test_no_secret_in_any_message_or_log(tmp_path, config_home, oauth):
    """A full login, status, refresh (a second kernel reuses the cached
    credential, which refreshes it and saves the rotated refresh token),
    status and logout --revoke. Every message both kernels sent, and both
    kernels' logs, are searched for every secret the server issued or saw."""
    first = Kernel(tmp_path, config_home, "kernel-1")
    try:
        reply, out = login(first, oauth)
        cred1 = assert_signed_in(first, reply, out)
        assert EMAIL in status(first)
    finally:
        first.close()

    second = Kernel(tmp_path, config_home, "kernel-2")
    try:
        reply, out = run(second.kc, "%auth")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "reusing the cached credential" in stdout_of(out), stdout_of(out)
        cred2 = json.loads(cred_path(config_home).read_text())
        assert cred2["refresh_token"] != cred1["refresh_token"], "the rotated refresh token was not saved"
        assert "valid until" in status(second)
        reply, out = run(second.kc, "%auth logout --revoke")
        assert reply["content"]["status"] == "ok", reply["content"]
        assert "revoked" in stdout_of(out)
    finally:
        second.close()

    secrets = oauth.stop()
    assert oauth.client_secret in secrets
    # Two codes' worth of secrets at least: code, verifier, access, refresh,
    # id token of the login, then the refresh's new tokens.
    assert len(secrets) >= 8, len(secrets)
    for tok in (cred1["refresh_token"], cred2["refresh_token"]):
        assert tok in secrets
    needles = set(secrets)
    # Also the halves of the opaque tokens (ory_at_KEY.SIGNATURE), so a
    # truncated or partly masked token counts as a leak too.
    for s in secrets:
        for part in s.split("."):
            part = re.sub(r"^ory_[a-z]{2}_", "", part)
            if len(part) >= 20 and not part.startswith("eyJ"):
                needles.add(part)

    # The one place a secret legitimately crosses a channel: the user's own
    # answer to the password prompt, which carries the authorization code
    # (and the state) from the browser to the kernel.
    pasted = {m["content"]["value"] for k in (first, second) for d, ch, m in k.rec.messages
              if d == "sent" and m["msg_type"] == "input_reply"}
    assert len(pasted) == 1

    leaks = []
    count = 0
    for k in (first, second):
        for direction, channel, msg in k.rec.messages:
            if direction == "sent" and msg["msg_type"] == "input_reply":
                continue
            count += 1
            blob = json.dumps(msg, default=str)
            for n in needles:
                if n in blob:
                    leaks.append(f"{direction} {channel} {msg['msg_type']}: a secret ({len(n)} chars)")
        log = k.log()
        for n in needles:
            if n in log:
                leaks.append(f"{k.log_path.name}: a secret ({len(n)} chars)")
    assert not leaks, "\n".join(leaks)

    kinds = {(d, ch, m["msg_type"]) for k in (first, second) for d, ch, m in k.rec.messages}
    for expected in [("received", "stdin", "input_request"), ("received", "iopub", "display_data"),
                     ("received", "iopub", "stream"), ("received", "shell", "execute_reply"),
                     ("received", "control", "shutdown_reply")]:
        assert expected in kinds, (expected, sorted(kinds))
    assert count > 30, count
    # The logs were captured, not empty: the kernel logs the sign-in.
    assert "auth: signed in" in first.log(), first.log()[-2000:]
    assert "access token refreshed" in second.log(), second.log()[-2000:]
