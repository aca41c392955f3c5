# syntax=docker/dockerfile:1
# gokernel in a JupyterLab image: the Jupyter project's docker-stacks base
# image with the Go kernel installed system-wide and the Go toolchain present
# (for `gokernel build --with` and %doc), running as the non-root notebook
# user. The install step is scripts/install-image.sh, which CI also runs on a
# machine without a Docker engine (tests/e2e/test_dockerfile.py).
#
#   docker build -t gokernel .
#   docker run --rm -p 8888:8888 gokernel        # open the printed 127.0.0.1 URL

ARG GO_IMAGE=golang:1.26
ARG BASE_IMAGE=quay.io/jupyter/base-notebook:latest

# ---- stage 1: build gokernel -------------------------------------------
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/gokernel . \
 && /out/gokernel version

# ---- stage 2: JupyterLab with gokernel ---------------------------------
FROM ${BASE_IMAGE}

USER root
# The same Go toolchain that built the kernel, so users can rebuild it.
COPY --from=build /usr/local/go /usr/local/go
COPY --from=build /out/gokernel /tmp/gokernel-image/gokernel
COPY scripts/install-image.sh /tmp/gokernel-image/install-image.sh
RUN /tmp/gokernel-image/install-image.sh \
      --binary /tmp/gokernel-image/gokernel \
      --bin /usr/local/bin/gokernel \
      --prefix "${CONDA_DIR}" \
      --goroot /usr/local/go \
      --check \
 && rm -rf /tmp/gokernel-image

# Go's module and build caches live in the notebook user's home
# (GOPATH=~/go, GOCACHE=~/.cache/go-build), which that user owns.
USER ${NB_UID}
WORKDIR "${HOME}"
