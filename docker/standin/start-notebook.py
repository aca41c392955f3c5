#!/opt/conda/bin/python3
"""Stand-in for docker-stacks' start-notebook.py: execs `jupyter lab` (or
DOCKER_STACKS_JUPYTER_CMD) with NOTEBOOK_ARGS and the arguments given."""
import os
import shlex
import sys

command = ["jupyter", os.environ.get("DOCKER_STACKS_JUPYTER_CMD", "lab")]
if "JUPYTER_PORT" in os.environ:
    command.append("--ServerApp.port=" + os.environ["JUPYTER_PORT"])
command += shlex.split(os.environ.get("NOTEBOOK_ARGS", ""))
command += sys.argv[1:]
os.execvp(command[0], command)
