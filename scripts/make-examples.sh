#!/usr/bin/env bash
# Regenerates the saved outputs of examples/auth_bigquery.ipynb from a real
# run, so a reader sees what %auth and %bq print without running anything.
#
# The run is against loopback test servers, never Google:
#   - internal/oauthtest/cmd/oauthserver, a real OAuth2 server (ory fosite)
#     that signs alice@example.com in and consents at once;
#   - bin/bigquery-emulator (scripts/build-emulator.sh), loaded with the small
#     table demo.orders below, reached through GOKERNEL_BIGQUERY_ENDPOINT.
#
# The notebook runs in a gokernel started by nbclient (project venv) with
# XDG_CONFIG_HOME in a temporary directory and the test server's Desktop-app
# client file at $XDG_CONFIG_HOME/gokernel/client_secrets.json, where the
# notebook's `%auth login` finds it. nbclient cannot answer input requests,
# so this script does it: it enables stdin on nbclient's kernel client,
# plays the user's browser on the sign-in link the cell shows (following
# redirects on the OAuth server and stopping at the one to the kernel's
# 127.0.0.1 listener, as a browser on another machine would) and answers
# the password prompt with that address. The answer is never part of the
# outputs. Before writing the notebook the script checks that no secret the
# OAuth server issued or saw (client secret, code, verifier, tokens) appears
# in it.
#
# Usage: scripts/make-examples.sh   (env: GOKERNEL_VENV, default .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${GOKERNEL_VENV:-$ROOT/.venv}
NOTEBOOK=$ROOT/examples/auth_bigquery.ipynb

say() { printf '==> %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gokernel-examples.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

say "building bin/gokernel, the OAuth test server and the BigQuery emulator"
go build -o bin/gokernel .
go build -o "$WORK/oauthserver" ./internal/oauthtest/cmd/oauthserver
./scripts/build-emulator.sh

# A private Jupyter data dir with the gokernel kernelspec, so the run uses
# this checkout's bin/gokernel whatever else is installed.
export JUPYTER_DATA_DIR=$WORK/jupyter-data
export JUPYTER_CONFIG_DIR=$WORK/jupyter-config
export JUPYTER_RUNTIME_DIR=$WORK/jupyter-runtime
export JUPYTER_PATH=
./bin/gokernel install --user >/dev/null

cat > "$WORK/data.yaml" <<'EOF'
projects:
- id: my-project
  datasets:
  - id: demo
    tables:
    - id: orders
      columns:
      - {name: id, type: INTEGER}
      - {name: customer, type: STRING}
      - {name: country, type: STRING}
      - {name: amount, type: FLOAT}
      - {name: placed, type: DATE}
      data:
      - {id: 1, customer: Ada, country: UK, amount: 120.5, placed: "2024-03-01"}
      - {id: 2, customer: Linus, country: FI, amount: 35.0, placed: "2024-03-02"}
      - {id: 3, customer: Grace, country: US, amount: 88.25, placed: "2024-03-02"}
      - {id: 4, customer: Ken, country: US, amount: 12.0, placed: "2024-03-04"}
      - {id: 5, customer: Barbara, country: US, amount: 240.0, placed: "2024-03-05"}
      - {id: 6, customer: Edsger, country: NL, amount: 64.75, placed: "2024-03-07"}
EOF

say "running $NOTEBOOK against the loopback servers"
PATH="$VENV/bin:$PATH" "$VENV/bin/python" - "$NOTEBOOK" "$WORK" <<'EOF'
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
from nbclient import NotebookClient

notebook, work = Path(sys.argv[1]), Path(sys.argv[2])
ROOT = Path.cwd()
PROJECT = "my-project"


def start_oauthserver():
    p = subprocess.Popen([str(work / "oauthserver"), "--email", "alice@example.com",
                          "--secrets-out", str(work / "oauth-secrets.json")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=open(work / "oauthserver.log", "wb"))
    info = json.loads(p.stdout.readline())
    return p, info


def start_emulator():
    p = subprocess.Popen([str(ROOT / "bin" / "bigquery-emulator"), "--host=127.0.0.1", "--port=0",
                          "--grpc-port=0", f"--project={PROJECT}", f"--data-from-yaml={work / 'data.yaml'}",
                          "--log-level=error"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=open(work / "emulator.log", "wb"))
    for line in p.stdout:
        m = re.search(rb"REST server listening at 127\.0\.0\.1:(\d+)", line)
        if m:
            # Keep draining its stdout so it never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
            return p, f"http://127.0.0.1:{int(m.group(1))}"
    raise SystemExit(f"bigquery-emulator exited ({p.wait()}): {(work / 'emulator.log').read_text()}")


class Landed(Exception):
    pass


class StopAtClient(urllib.request.HTTPRedirectHandler):
    """Follows redirects on the authorization server, stops at any other."""

    def __init__(self, netloc):
        self.netloc = netloc

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        if urllib.parse.urlsplit(newurl).netloc != self.netloc:
            raise Landed(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def browse(oauth_url, auth_url):
    """The user's browser on another machine: returns the 127.0.0.1 address it lands on."""
    assert auth_url.startswith(oauth_url + "/auth?"), auth_url
    opener = urllib.request.build_opener(StopAtClient(urllib.parse.urlsplit(oauth_url).netloc))
    try:
        opener.open(auth_url, timeout=10).read()
    except Landed as landed:
        url = landed.args[0]
        assert urllib.parse.urlsplit(url).hostname == "127.0.0.1", url
        return url
    raise SystemExit("the authorization server did not redirect to the kernel")


def sign_in_link(cell):
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/plain", "")
        m = re.match(r"Sign in with Google: (\S+)", text)
        if m:
            return m.group(1)
    return None


async def answer_stdin(client, oauth_url, current):
    """Answers every password prompt with the address the browser lands on."""
    while True:
        msg = await client.kc.get_stdin_msg()
        if msg["msg_type"] != "input_request":
            continue
        cell = current["cell"]
        link = None
        for _ in range(200):  # the link's display_data may still be on its way
            link = sign_in_link(cell)
            if link:
                break
            await asyncio.sleep(0.05)
        if not link or not msg["content"].get("password"):
            raise SystemExit(f"unexpected input request: {msg['content']}")
        landed = await asyncio.get_running_loop().run_in_executor(None, browse, oauth_url, link)
        client.kc.input(landed)


async def run(nb, oauth_url, cwd):
    client = NotebookClient(nb, kernel_name="gokernel", timeout=300, record_timing=False,
                            resources={"metadata": {"path": str(cwd)}})
    current = {"cell": None}
    async with client.async_setup_kernel():
        client.kc.allow_stdin = True  # nbclient turns stdin off; %auth needs it
        info = await client.kc.kernel_info(reply=True)
        client.nb.metadata["language_info"] = info["content"]["language_info"]
        answerer = asyncio.create_task(answer_stdin(client, oauth_url, current))
        try:
            for index, cell in enumerate(nb.cells):
                current["cell"] = cell
                if answerer.done():
                    answerer.result()  # raise its error
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        finally:
            answerer.cancel()
    return nb


async def main():
    oauth, info = start_oauthserver()
    emulator, endpoint = start_emulator()
    try:
        config = work / "config"
        (config / "gokernel").mkdir(parents=True, mode=0o700)
        shutil.copy(info["client_secrets_path"], config / "gokernel" / "client_secrets.json")
        os.environ.update({
            "XDG_CONFIG_HOME": str(config),
            "GOKERNEL_BIGQUERY_ENDPOINT": endpoint,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
        })
        for k in ("GOKERNEL_CLIENT_SECRETS", "GOOGLE_APPLICATION_CREDENTIALS"):
            os.environ.pop(k, None)
        os.environ["CLOUDSDK_CONFIG"] = str(work / "gcloud")
        cwd = work / "cwd"
        cwd.mkdir()
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
                cell.metadata.pop("execution", None)
        nb = await run(nb, info["url"], cwd)
    finally:
        oauth.stdin.close()
        oauth.wait(timeout=15)
        emulator.terminate()
        emulator.wait(timeout=15)

    errors = [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    if errors:
        raise SystemExit(f"cells failed: {errors}")
    text = nbformat.writes(nb)
    secrets = json.loads((work / "oauth-secrets.json").read_text())
    assert len(secrets) >= 5, secrets
    leaked = [s for s in secrets if s in text]
    if leaked:
        raise SystemExit(f"{len(leaked)} secret(s) of the OAuth server in the outputs: not saved")
    for needle in ("access_token", "refresh_token", "code="):
        if needle in text:
            raise SystemExit(f"{needle!r} in the notebook: not saved")
    nbformat.validate(nb)
    notebook.write_text(text)
    print(f"wrote {notebook}", file=sys.stderr)


asyncio.run(main())
EOF
