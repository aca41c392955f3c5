# A local stand-in for the official golang:1.26 image (Debian bookworm), for
# building the gokernel image where no registry serves base images
# (scripts/image-bases.sh builds it; scripts/image-test.sh uses it).
# Like golang:1.26-bookworm: Debian with gcc, libc headers, make, pkg-config
# and git, the Go distribution at /usr/local/go, GOPATH=/go,
# GOTOOLCHAIN=local. The distribution is the module proxy's
# golang.org/toolchain@v0.0.1-go1.26.8.linux-amd64 (the same files as
# go.dev/dl's tarball), copied in as the build context's go/ (with the
# modes cmd/go gives a downloaded toolchain).
ARG DEBIAN_IMAGE=localhost/gokernel-standin-debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev make pkg-config git openssh-client \
 && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOLANG_VERSION=1.26.8 \
    GOTOOLCHAIN=local \
    GOPATH=/go \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go \
 && go version
WORKDIR /go
