# The image of a Go agent: one static binary on the Debian base. The build
# context is the repository (the agent's module needs sdk/go beside it), e.g.
#   buildah bud -f containers/Containerfile.go \
#     --ignorefile containers/Containerfile.go.dockerignore \
#     --build-arg AGENT=calendar -t hubspoke/calendar .
# Modules come from the Go module proxy, checked against the agent's go.sum
# (-mod=readonly); the toolchain is the builder's own (GOTOOLCHAIN=local), as
# tools/dapr/build.sh builds daprd. The runtime stage holds the binary alone:
# no compiler, no sources, no module cache; time zones are inside it (time/tzdata).
#
# BASE_IMAGE runs the agent; GO_BUILDER_IMAGE has Go. scripts/images.sh passes
# two images made locally when no registry is reachable.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
ARG GO_BUILDER_IMAGE=docker.io/library/golang:1.26-bookworm

FROM ${GO_BUILDER_IMAGE} AS build
ARG AGENT
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly \
    GOPATH=/go GOCACHE=/go/cache PATH=/usr/local/go/bin:$PATH
WORKDIR /src
COPY sdk/go ./sdk/go
COPY agents/${AGENT} ./agents/${AGENT}
WORKDIR /src/agents/${AGENT}
RUN --mount=type=cache,target=/go \
    go build -trimpath -ldflags='-s -w' -o /out/agent ./cmd/${AGENT}

FROM ${BASE_IMAGE}
ARG AGENT
LABEL org.opencontainers.image.title="hubspoke ${AGENT}" \
      org.opencontainers.image.source="https://github.com/hubspoke/hubspoke"
WORKDIR /app
COPY --from=build /out/agent ./agent
ENV HOME=/tmp \
    HUBSPOKE_APP_HOST=0.0.0.0
# Numeric, so Kubernetes' runAsNonRoot can verify it; owns nothing in the image
# (the root filesystem is read-only at run time).
USER 10001:10001
# The agent is PID 1 and gets SIGTERM itself: it deregisters, then exits.
CMD ["/app/agent"]
