"""A Vertex AI Workbench VM, simulated (issue 16), end to end.

On a Workbench VM, Application Default Credentials come from the VM's
metadata server. Here the oauthserver command also runs the metadata server
stand-in (internal/oauthtest/metadataserver, with GCE's Metadata-Flavor
header rules) whose default service account's tokens are real ones of the
OAuth server (client_credentials grant); the kernel reaches it through
$GCE_METADATA_HOST, as Google's Go libraries allow. The Gate between the
kernel and the BigQuery emulator introspects every bearer token at the
OAuth server, so "this query ran as the VM's service account" is checked
at the server, not taken from the kernel's word.
"""
import socket
import time

import pytest

from conftest import run, stdout_of
from test_auth import EMAIL, login
from test_auth_lasting import Gate, Kernels, assert_all_as, bq_ok, no_secret_in, oauthserver_bin, since, start_oauth, stop  # noqa: F401
from test_bq import PROJECT, emulator  # noqa: F401

VM_SA = "sa-vm@proj.iam.gserviceaccount.com"


@pytest.fixture
def vm(oauthserver_bin, tmp_path):  # noqa: F811
    srv = start_oauth(oauthserver_bin, tmp_path, "--service-account", VM_SA, "--metadata-project", PROJECT)
    assert srv.metadata_host, "oauthserver --service-account announced no metadata_host"
    yield srv
    stop(srv)


@pytest.fixture
def vm_gate(emulator, vm):  # noqa: F811
    g = Gate(emulator.url, vm)
    yield g
    g.close()


@pytest.fixture
def vm_kernels(tmp_path, vm_gate):
    home = tmp_path / "config"
    home.mkdir()
    ks = Kernels(tmp_path, home, vm_gate)
    yield ks
    ks.close()


def vm_env(tmp_path, host):
    sdk = tmp_path / "gcloud-empty"
    sdk.mkdir(exist_ok=True)
    # No project in the environment: the project is the metadata server's.
    return {"GCE_METADATA_HOST": host, "CLOUDSDK_CONFIG": str(sdk), "GOOGLE_CLOUD_PROJECT": ""}


def auth_status(k):
    reply, out = run(k.kc, "%auth status")
    assert reply["content"]["status"] == "ok", reply["content"]
    return stdout_of(out)


def bq_project(k, sql="SELECT 1 AS one"):
    """%%bq with an explicit --project (the signed-in user's job)."""
    reply, out = run(k.kc, f"%%bq --project {PROJECT}\n" + sql, timeout=90)
    assert reply["content"]["status"] == "ok", (reply["content"].get("evalue"), reply["content"].get("traceback"))
    plain = [m["content"]["data"]["text/plain"] for m in out if m["msg_type"] == "execute_result"]
    assert len(plain) == 1, out
    return plain[0]


def test_vm_service_account_then_user_then_adc(vm_kernels, vm, vm_gate, tmp_path):
    k = vm_kernels.start("vm-kernel", **vm_env(tmp_path, vm.metadata_host))
    n = len(vm_gate.requests())
    # No --project and no $GOOGLE_CLOUD_PROJECT: the job runs in the project
    # the metadata server names.
    table = bq_ok(k)
    assert f"ran as service account {VM_SA} (VM service account, metadata server)" in table, table
    assert_all_as(since(vm_gate, n), VM_SA, VM_SA)

    text = auth_status(k)
    for want in ["Type:            Application Default Credentials: VM service account (metadata server)",
                 f"Account:         {VM_SA}", f"Source:          metadata server at {vm.metadata_host}",
                 f"Project:         {PROJECT}"]:
        assert want in text, text

    # %auth: the user wins.
    reply, _ = login(k, vm)
    assert reply["content"]["status"] == "ok", reply["content"]
    n = len(vm_gate.requests())
    table = bq_project(k, "SELECT 2 AS two")
    assert f"ran as {EMAIL} (your Google account, via %auth)" in table, table
    assert_all_as(since(vm_gate, n), EMAIL, vm.client_id)

    # %auth use adc: back to the VM's service account, and (no --project)
    # the job runs in the metadata server's project.
    reply, out = run(k.kc, "%auth use adc")
    assert reply["content"]["status"] == "ok", reply["content"]
    n = len(vm_gate.requests())
    table = bq_ok(k, "SELECT 3 AS three")
    assert f"ran as service account {VM_SA}" in table, table
    assert_all_as(since(vm_gate, n), VM_SA, VM_SA)

    tokens = [r["token"] for r in vm_gate.requests()]
    k.close()
    no_secret_in([k], vm.stop() + tokens)


def test_metadata_server_unreachable(vm_kernels, vm_gate, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    host = "127.0.0.1:%d" % s.getsockname()[1]
    s.close()  # a closed port: connection refused
    env = vm_env(tmp_path, host)
    k = vm_kernels.start("vm-kernel-nomd", **env)
    wants = ["$GOOGLE_APPLICATION_CREDENTIALS (not set)",
             f"gcloud's ADC file {env['CLOUDSDK_CONFIG']}/application_default_credentials.json (not found)",
             f"the metadata server at {host}", "connection refused"]
    t0 = time.monotonic()
    text = auth_status(k)
    took = time.monotonic() - t0
    assert "Active identity: none" in text, text
    for want in wants + ["%auth login"]:
        assert want in text, text
    assert took < 20, f"{took:.1f}s"

    reply, out = run(k.kc, "%auth use adc")
    assert reply["content"]["status"] == "error", reply["content"]
    for want in wants:
        assert want in reply["content"]["evalue"], reply["content"]["evalue"]

    # %bq against a loopback endpoint runs unauthenticated when there is no
    # identity (the emulator's convenience): the Gate sees no token at all.
    n = len(vm_gate.requests())
    reply, out = run(k.kc, f"%%bq --project {PROJECT}\nSELECT 1 AS one", timeout=90)
    assert reply["content"]["status"] == "error", reply["content"]
    assert all(r["token"] is None for r in since(vm_gate, n)), since(vm_gate, n)
    # The kernel lives, with its state.
    reply, out = run(k.kc, "x := 41\nx + 1")
    assert reply["content"]["status"] == "ok", reply["content"]
    print(f"unreachable metadata server: %auth status answered after {took:.2f}s")
