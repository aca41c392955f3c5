"""The saved outputs of examples/auth_bigquery.ipynb (scripts/make-examples.sh
regenerates them from a real run against the loopback OAuth server and the
BigQuery emulator): every code cell ran and shows what a reader should see,
and nothing secret was saved.
"""
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[2]
NOTEBOOK = ROOT / "examples" / "auth_bigquery.ipynb"
MAKE = ROOT / "scripts" / "make-examples.sh"
EMAIL = "alice@example.com"


@pytest.fixture(scope="module")
def nb():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    return nb


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def outputs_text(nb):
    """Every output of every code cell, serialized: what the notebook shows."""
    return json.dumps([c.outputs for c in code_cells(nb)], ensure_ascii=False)


def html_of(cell):
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def plain_of(cell):
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        else:
            parts.append(o.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def cell_starting(nb, prefix):
    found = [c for c in code_cells(nb) if c.source.startswith(prefix)]
    assert found, f"no code cell starts with {prefix!r}"
    return found[0]


def test_go_kernel(nb):
    assert nb.metadata.kernelspec.name == "gokernel"
    assert nb.metadata.language_info.name == "go"


def test_every_code_cell_ran_with_outputs(nb):
    cells = code_cells(nb)
    assert len(cells) >= 5
    counts = []
    for c in cells:
        assert c.outputs, f"no saved outputs: {c.source!r}"
        assert c.execution_count is not None, c.source
        assert not [o for o in c.outputs if o.output_type == "error"], c.source
        assert not [o for o in c.outputs if o.get("name") == "stderr"], c.source
        counts.append(c.execution_count)
    assert counts == list(range(1, len(cells) + 1)), "not from one run, in order"


def test_the_tour_it_promises(nb):
    """The cells the markdown talks about are there."""
    sources = [c.source for c in code_cells(nb)]
    assert any(re.match(r"%auth( login)?\b", s) for s in sources), sources
    assert "%auth status" in sources, sources
    bq_out = cell_starting(nb, "%%bq --out ")
    var = bq_out.source.split()[2]
    params = set(re.findall(r"@(\w+)", bq_out.source))
    assert params, "the --out query binds no @parameter"
    # Each @param is a Go variable an earlier cell defined.
    before = "\n".join(sources[: sources.index(bq_out.source)])
    for p in params:
        assert re.search(rf"\b{p}\s*:?=", before), f"@{p} is not a Go variable of an earlier cell"
    # A later Go cell uses the --out variable.
    after = sources[sources.index(bq_out.source) + 1:]
    assert any(f"{var}." in s and not s.startswith("%") for s in after), f"no Go cell uses {var}"
    assert any(s.startswith("%%bq --dry-run") for s in sources), sources


def test_sign_in_shows_the_link_and_the_email(nb):
    login = [c for c in code_cells(nb) if re.match(r"%auth( login)?\b", c.source)][0]
    assert '<a href="' in html_of(login) and "Sign in with Google" in html_of(login)
    assert f"Signed in as {EMAIL}" in plain_of(login)
    status = cell_starting(nb, "%auth status")
    assert f"Active identity: {EMAIL}" in plain_of(status)
    assert EMAIL in outputs_text(nb)


def test_query_shows_an_html_table(nb):
    cell = cell_starting(nb, "%%bq --out ")
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert results, cell.outputs
    table = results[-1]["data"]["text/html"]
    assert "<table" in table and "<th>" in table and "<td" in table, table[:500]
    assert f"ran as {EMAIL}" in results[-1]["data"]["text/plain"]


def test_go_cell_used_the_result(nb):
    bq_out = cell_starting(nb, "%%bq --out ")
    var = bq_out.source.split()[2]
    users = [c for c in code_cells(nb) if f"{var}." in c.source and not c.source.startswith("%")]
    assert plain_of(users[0]).strip(), users[0].outputs


def test_dry_run_estimates_bytes_and_cost(nb):
    text = plain_of(cell_starting(nb, "%%bq --dry-run"))
    assert "Dry run OK" in text and "Estimated on-demand cost" in text, text


def test_no_secret_was_saved(nb):
    # The whole file, outputs and sources: the pasted redirect address (a
    # password input) is never echoed, and no token is ever printed.
    whole = NOTEBOOK.read_text(encoding="utf-8")
    outputs = outputs_text(nb)
    for needle in ("access_token", "refresh_token", "code=", "id_token"):
        assert needle not in outputs, needle
        assert needle not in whole, needle
    # The markdown names the client_secrets.json file; no output shows its contents.
    assert "client_secret" not in outputs
    assert not re.search(r'client_secret\\?"\s*:', whole)
    # ory fosite's opaque tokens: access, refresh, authorization code.
    assert not re.search(r"ory_(at|rt|ac)_", whole)
    # No stdin answer was recorded as an output.
    assert not [o for c in code_cells(nb) for o in c.outputs if o.get("name") == "stdin"]


def test_regeneration_script_is_there():
    assert MAKE.is_file() and os.access(MAKE, os.X_OK)
    text = MAKE.read_text()
    assert "examples/auth_bigquery.ipynb" in text
    assert "oauthserver" in text and "bigquery-emulator" in text
