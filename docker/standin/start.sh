#!/bin/bash
# Stand-in for docker-stacks' start.sh: runs the command. docker-stacks'
# script also adapts the user at start (NB_USER, NB_UID, GRANT_SUDO,
# CHOWN_HOME, hooks); this one does not.
set -e
exec "$@"
