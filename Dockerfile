# syntax=docker/dockerfile:1
# gokernel in a JupyterLab image: the Jupyter project's docker-stacks base
# image with the Go kernel installed system-wide, the Go toolchain and a C
# compiler present (compiled cells build Go plugins, `gokernel build --with`,
# %doc), running as the non-root notebook user. The install step is
# scripts/install-image.sh, which CI also runs on a machine without a Docker
# engine (tests/e2e/test_dockerfile.py).
#
#   docker build -t gokernel .
#   docker run --rm -p 8888:8888 gokernel        # open the printed 127.0.0.1 URL
#
# The two bases are build arguments. The defaults are the published images;
# `make image-test` builds this file with buildah from locally made stand-ins
# (scripts/image-bases.sh) where no registry serves them:
#
#   docker build --build-arg GO_IMAGE=golang:1.26.8 \
#                --build-arg BASE_IMAGE=quay.io/jupyter/base-notebook:2025-... .
#
# GO_IMAGE must be a Debian-based golang image of go.mod's Go version with gcc
# (the official golang:1.26 is); BASE_IMAGE a docker-stacks image (CONDA_DIR,
# NB_UID, apt-get) or one laid out like it (without those variables:
# /opt/conda and uid 1000).

ARG GO_IMAGE=golang:1.26
ARG BASE_IMAGE=quay.io/jupyter/base-notebook:latest

# ---- stage 1: build gokernel -------------------------------------------
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=
# cgo on: compiled cells are Go plugins, and plugin.Open needs a host built
# with cgo (dynamically linked against the C library). The image's kernel
# and the plugins it builds then share the toolchain copied below.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/gokernel . \
 && /out/gokernel version \
 && go version -m /out/gokernel | grep -q 'CGO_ENABLED=1' \
 && go version -m /out/gokernel

# ---- stage 2: JupyterLab with gokernel ---------------------------------
FROM ${BASE_IMAGE}

USER root
# gcc and the C library's headers: `go build -buildmode=plugin` (compiled
# cells) runs cgo. Both docker-stacks (Ubuntu) and the stand-in (Debian)
# have these package names.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
# The same Go toolchain that built the kernel: plugins must be built by it,
# and users can rebuild the kernel with it.
COPY --from=build /usr/local/go /usr/local/go
COPY --from=build /out/gokernel /tmp/gokernel-image/gokernel
COPY scripts/install-image.sh /tmp/gokernel-image/install-image.sh
RUN /tmp/gokernel-image/install-image.sh \
      --binary /tmp/gokernel-image/gokernel \
      --bin /usr/local/bin/gokernel \
      --prefix "${CONDA_DIR:-/opt/conda}" \
      --goroot /usr/local/go \
      --check \
 && rm -rf /tmp/gokernel-image
# The toolchain's own (GOTOOLCHAIN=local): never download another one.
ENV GOTOOLCHAIN=local
# The image has the toolchain that built the kernel: compiled cells on
# (program cells and function declarations built by gc; see %go).
ENV GOKERNEL_COMPILE=auto

# Back to the notebook user (docker-stacks' NB_UID; 1000 for a base that does
# not set it), in the base's WORKDIR (its HOME). Go's module and build caches
# live in that home (GOPATH=~/go, GOCACHE=~/.cache/go-build), which the
# user owns.
USER ${NB_UID:-1000}
