"""The front ends people run: nbclient (nbconvert), papermill, jupyter-console."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def texts(cell):
    out = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            out.append(o["text"])
        elif o["output_type"] in ("execute_result", "display_data"):
            out.append(o["data"].get("text/plain", ""))
    return "".join(out)


def test_tour_notebook_with_nbclient():
    nb = nbformat.read(ROOT / "examples" / "tour.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="gokernel").execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "hello, gopher" in texts(code[0])
    assert texts(code[1]) == "10"
    assert code[1]["outputs"][0]["output_type"] == "execute_result"
    html = [o for o in code[3]["outputs"] if o["output_type"] == "display_data"][0]["data"]["text/html"]
    assert "<th>Name</th>" in html and "<td>Mars</td>" in html
    assert "<b>bold</b>" in code[4]["outputs"][0]["data"]["text/html"]
    assert texts(code[5]) == '"gogogo"'
    # Today's Go: slices.Sort, range over int, min/max, auto-imported fmt.
    assert texts(code[6]) == "1 2 5 8 4\n"
    # A value with an HTML method shows as HTML.
    assert "<mark>new</mark>" in code[7]["outputs"][0]["data"]["text/html"]
    # The updated display: a display_data whose final content is the update.
    shown = [o for o in code[8]["outputs"] if o["output_type"] == "display_data"]
    assert len(shown) == 1 and "**done**" in shown[0]["data"]["text/markdown"]
    # The plot: a PNG.
    plots = [o for o in code[9]["outputs"] if "image/png" in o.get("data", {})]
    assert plots and len(plots[0]["data"]["image/png"]) > 1000
    assert texts(code[10]) == "2.5"
    assert texts(code[11]) == "." * 20 + "3"


def test_papermill_runs_and_stops_on_error(tmp_path):
    out = tmp_path / "out.ipynb"
    subprocess.run([BIN / "papermill", "-k", "gokernel", str(ROOT / "examples" / "tour.ipynb"), str(out)], check=True, timeout=300)
    nb = nbformat.read(out, as_version=4)
    assert "hello, gopher" in texts(nb.cells[1])
    # A failing cell fails the run, as Run All and CI expect.
    bad = nbformat.v4.new_notebook()
    bad.metadata["kernelspec"] = {"name": "gokernel", "display_name": "Go", "language": "go"}
    bad.cells = [nbformat.v4.new_code_cell('panic("stop here")'), nbformat.v4.new_code_cell('1')]
    nbformat.write(bad, tmp_path / "bad.ipynb")
    r = subprocess.run([BIN / "papermill", "-k", "gokernel", str(tmp_path / "bad.ipynb"), str(tmp_path / "bad-out.ipynb")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "stop here" in r.stderr + r.stdout


def test_jupyter_console():
    script = 'x := 6\nx * 7\nimport "fmt"\nfmt.Println("from console")\nexit\n'
    r = subprocess.run([BIN / "jupyter-console", "--kernel", "gokernel", "--simple-prompt"], input=script,
                       capture_output=True, text=True, timeout=120)
    assert "42" in r.stdout, r.stdout + r.stderr
    assert "from console" in r.stdout
