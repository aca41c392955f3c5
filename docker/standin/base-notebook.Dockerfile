# A local stand-in for Jupyter docker-stacks' quay.io/jupyter/base-notebook,
# for building the gokernel image where no registry serves base images
# (scripts/image-bases.sh builds it; scripts/image-test.sh uses it).
#
# Reproduced from docker-stacks (what the gokernel Dockerfile relies on):
#   - the environment at CONDA_DIR=/opt/conda with jupyter on PATH
#     (here a python3 venv with JupyterLab from PyPI, not mamba/conda), so
#     kernelspecs go to /opt/conda/share/jupyter/kernels;
#   - the non-root user NB_USER=jovyan, NB_UID=1000, NB_GID=100 (group
#     "users"), HOME=/home/jovyan, and the env vars NB_USER, NB_UID, NB_GID,
#     CONDA_DIR, HOME, SHELL, LANG/LC_ALL;
#   - /opt/conda and the home group-owned by NB_GID and group-writable
#     (the fix-permissions script, same contract as docker-stacks' one);
#   - /etc/jupyter/jupyter_server_config.py (ip 0.0.0.0, no browser), tini
#     as init, start.sh / start-notebook.py, EXPOSE 8888, USER 1000,
#     WORKDIR $HOME; apt-get works as root.
# Not reproduced: Ubuntu (this is Debian bookworm), conda/mamba and its
# package set, start.sh's run-time features (NB_USER renaming, CHOWN_HOME,
# GRANT_SUDO, NB_UID/NB_GID changes at start, before-notebook.d hooks),
# GEN_CERT, the healthcheck, RESTARTABLE.
ARG DEBIAN_IMAGE=localhost/gokernel-standin-debian:bookworm
FROM ${DEBIAN_IMAGE}
ARG NB_USER=jovyan
ARG NB_UID=1000
ARG NB_GID=100
ARG JUPYTERLAB_VERSION=4.6.6
USER root
ENV CONDA_DIR=/opt/conda \
    SHELL=/bin/bash \
    NB_USER="${NB_USER}" \
    NB_UID=${NB_UID} \
    NB_GID=${NB_GID} \
    LC_ALL=C.UTF-8 \
    LANG=C.UTF-8 \
    LANGUAGE=C.UTF-8
ENV PATH="${CONDA_DIR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    HOME="/home/${NB_USER}"
COPY fix-permissions start.sh start-notebook.py /usr/local/bin/
COPY jupyter_server_config.py /etc/jupyter/
# PIP_CERT: pip's own CA bundle lacks the CAs a proxied network adds to the
# system's (scripts/image-bases.sh puts the host's into the Debian base).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv tini bzip2 sudo locales \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --no-log-init --create-home --shell /bin/bash --uid "${NB_UID}" --no-user-group "${NB_USER}" \
 && chmod g+w /etc/passwd \
 && python3 -m venv "${CONDA_DIR}" \
 && PIP_CERT=/etc/ssl/certs/ca-certificates.crt "${CONDA_DIR}/bin/pip" install --no-cache-dir \
      "jupyterlab==${JUPYTERLAB_VERSION}" \
 && chmod a+rx /usr/local/bin/fix-permissions /usr/local/bin/start.sh /usr/local/bin/start-notebook.py \
 && fix-permissions "${CONDA_DIR}" "/home/${NB_USER}" \
 && jupyter lab --version
EXPOSE 8888
ENTRYPOINT ["tini", "-g", "--", "start.sh"]
CMD ["start-notebook.py"]
USER ${NB_UID}
WORKDIR "${HOME}"
