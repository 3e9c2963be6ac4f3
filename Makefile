# The two commands of the README: `make run` and `make test`.
# Both install what is missing first (scripts/bootstrap.sh).
.PHONY: run test test-cluster bootstrap dapr unit integration bench bench-peer bench-registry clean images conformance eval new-agent

STATE ?= sqlite
VERBOSE ?=

run: bootstrap  ## start Redis, every sidecar and app; send a sample task; Ctrl-C stops all
	.venv/bin/python -m launcher --state $(STATE) $(if $(VERBOSE),--verbose)

test: bootstrap  ## ruff, mypy, unit and integration tests (real daprd sidecars)
	bash scripts/test.sh

test-cluster: bootstrap  ## k8s/ overlays on a real control plane (kwok), real Dapr injector and KEDA; builds it first (cold ~25 min)
	bash tools/cluster/build.sh
	.venv/bin/pytest -p no:cacheprovider tests/cluster

conformance: bootstrap  ## check one agent of the running stack (make run): make conformance APP=<app-id>
	@test -n "$(APP)" || { echo "usage: make conformance APP=<app-id>"; exit 2; }
	.venv/bin/python -m conformance $(APP) --run-dir .run

new-agent:  ## a working agent from tools/new_agent/templates/<LANG>/: make new-agent NAME=<app-id> LANG=python|typescript|go
	@test -n "$(NAME)" -a -n "$(LANG)" || { echo "usage: make new-agent NAME=<app-id> LANG=python|typescript|go"; exit 2; }
	.venv/bin/python -m tools.new_agent $(NAME) $(LANG)

images:  ## build every service image with buildah (localhost/hubspoke/<service>:<version in pyproject.toml>)
	bash scripts/images.sh

bootstrap:  ## install what is missing: venv, Redis, the pinned Dapr runtime
	bash scripts/bootstrap.sh

dapr:  ## build (or link) daprd and sentry into .dapr/bin
	bash tools/dapr/build.sh

unit: bootstrap
	.venv/bin/pytest tests/unit

integration: bootstrap
	.venv/bin/pytest tests/integration

clean:  ## remove run state and caches kept in the repository (not the Go caches)
	rm -rf .run .dapr .venv .cache .pytest_cache .mypy_cache .ruff_cache

eval: bootstrap  ## answers end to end: every request of eval/sets/ through a running stack (report: eval/results/answers.txt)
	.venv/bin/python -m eval

bench-registry: bootstrap  ## registry at 10,000 agents through a real daprd + SQLite: registrations/s, lookups, reload by change
	.venv/bin/python -m bench.registry_lookup

# make bench BENCH_SECONDS=10 BENCH_CONCURRENCY=1,8,32: seconds per measured cell, connections.
BENCH_SECONDS ?= 5
BENCH_CONCURRENCY ?= 1,8,32
bench: bootstrap  ## plain HTTP, raw Dapr, the same-work floor, Hubspoke: rps, p50/p90/p99, CPU and RSS per process (bench/results/)
	.venv/bin/pytest -q -p no:cacheprovider -m "peer or not peer" tests/bench
	.venv/bin/python -m bench.compare --profile --duration $(BENCH_SECONDS) --concurrency $(BENCH_CONCURRENCY)

bench-peer: bootstrap  ## Hubspoke (hubspoke-llm) and its peer dapr-agents side by side, same planner (bench/results/)
	.venv/bin/pytest -q -p no:cacheprovider -m peer tests/bench/test_peer.py
	.venv/bin/python -m bench.compare --only hubspoke-llm,dapr-agents --duration $(BENCH_SECONDS) --concurrency $(BENCH_CONCURRENCY)
