# ember — build, test and run entry points.
#   make demo        install, build, train fashion_cnn on Fashion-MNIST for 2 epochs, evaluate it
#   make test        install missing Debian packages, build (Release) and run the test suite
#   make sanitize    the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench       Google Benchmark programs per area (ember next to oneDNN, memcpy and LibTorch)
#   make compare     training workloads W1-W5, ember vs LibTorch side by side (bench/compare)
#   make install-test  install into $(PREFIX) and build a find_package(ember) project against it
# Build directories and parallelism can be overridden: make test BUILD=build-x JOBS=2.

SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD       ?= build
ASAN_BUILD  ?= build-asan
PREFIX      ?= /tmp/ember-install
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_JOBS  ?= 2
DEMO_DIR    ?= experiments/demo
FASHION     ?= /usr/share/datasets/fashion-mnist
CMAKE       ?= cmake
CTEST       ?= ctest
CMAKE_ARGS  ?=
BENCH_ARGS  ?=
COMPARE_ARGS ?=
BENCH       ?= OFF

# Debian packages: what the library, tests, examples and demo need ...
# (libdnnl-dev's CMake config asks for OpenCL because Debian builds oneDNN with its OpenCL GPU
# runtime: opencl-headers and ocl-icd-opencl-dev let find_package(dnnl) succeed; ember uses the CPU.)
DEPS := build-essential cmake ninja-build ccache libdnnl-dev opencl-headers ocl-icd-opencl-dev \
        nlohmann-json3-dev libcli11-dev libpng-dev libjpeg-dev zlib1g-dev \
        libgtest-dev libgmock-dev libbenchmark-dev protobuf-compiler libprotobuf-dev \
        graphviz dataset-fashion-mnist wamerican tzdata iso-codes python3-torch
# ... and what only the peer benchmarks (bench/peer, LibTorch) need.
PEER_DEPS := python3-torch libtorch-dev

# sudo only when not root (and only used when something is missing).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# $(call apt_install,packages): install the packages dpkg does not list as installed;
# `apt-get update` runs once, and only when something is missing.
define apt_install
	@missing=""; \
	for p in $(1); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all installed ($(words $(1)) packages)"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing </dev/null
endef

# Sanitizer builds: -O1 and line tables only (-g1) compile and link much faster than -O2 -g and
# still give stack traces with file:line.
SAN_OPT ?= -O1 -g1 -DNDEBUG
# Sanitizer run-time options: leaks are errors, UB stops the test with a stack trace.
# tests/lsan.supp, if present, lists leaks in third-party libraries to ignore.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1 \
           $(if $(wildcard tests/lsan.supp),LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0) \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: help deps deps-peer configure build test sanitize demo bench compare install-test clean

help:
	@sed -n 's/^#   /  /p' $(firstword $(MAKEFILE_LIST))
	@echo "  make deps | deps-peer | build | clean"

deps:
	$(call apt_install,$(DEPS))

deps-peer:
	$(call apt_install,$(PEER_DEPS))

configure:
	$(CMAKE) -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_BUILD_BENCH=$(BENCH) $(CMAKE_ARGS)

build: configure
	$(CMAKE) --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) --no-print-directory build
	$(CTEST) --test-dir $(BUILD) --output-on-failure -j $(CTEST_JOBS)

sanitize: deps
	$(CMAKE) -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$(SAN_OPT)" \
	  -DEMBER_SANITIZE=ON $(CMAKE_ARGS)
	$(SAN_ENV) $(CMAKE) --build $(ASAN_BUILD) -j $(JOBS)
	$(SAN_ENV) $(CTEST) --test-dir $(ASAN_BUILD) --output-on-failure -j $(CTEST_JOBS)

demo: deps configure
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target ember_cli
	./$(BUILD)/tools/ember/ember train --data_dir $(FASHION) --model_dir $(DEMO_DIR) --overwrite
	./$(BUILD)/tools/ember/ember evaluate --data_dir $(FASHION) --model_dir $(DEMO_DIR)
	@echo "== test metrics ($(DEMO_DIR)/metrics_test_best.json):"; cat $(DEMO_DIR)/metrics_test_best.json; echo
	@echo "== checkpoints: $(DEMO_DIR)/best.safetensors, $(DEMO_DIR)/last.safetensors"
	@echo "== training curves: $(DEMO_DIR)/curves.svg"
	@echo "== TensorBoard logs: $(DEMO_DIR)/train_summaries, $(DEMO_DIR)/eval_summaries (tensorboard --logdir $(DEMO_DIR))"

# Per-area Google Benchmark programs, each next to its LibTorch peer (run one after the other).
BENCH_TARGETS := ember_bench bench_layers rnn_bench ember_bench_data fma_peak
PEER_TARGETS  := linreg_libtorch rnn_libtorch data_libtorch
bench: deps deps-peer
	$(MAKE) --no-print-directory configure BENCH=ON
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target $(BENCH_TARGETS)
	-$(CMAKE) --build $(BUILD) -j $(JOBS) --target $(PEER_TARGETS)
	./$(BUILD)/bench/fma_peak
	./$(BUILD)/bench/ember_bench $(BENCH_ARGS)
	-[ -x $(BUILD)/bench/linreg_libtorch ] && ./$(BUILD)/bench/linreg_libtorch $(BENCH_ARGS)
	./$(BUILD)/bench/bench_layers $(BENCH_ARGS)
	./$(BUILD)/bench/rnn_bench $(BENCH_ARGS)
	-[ -x $(BUILD)/bench/rnn_libtorch ] && ./$(BUILD)/bench/rnn_libtorch $(BENCH_ARGS)
	./$(BUILD)/bench/ember_bench_data $(BENCH_ARGS)
	-[ -x $(BUILD)/bench/data_libtorch ] && ./$(BUILD)/bench/data_libtorch $(BENCH_ARGS)

# Issue 6's training workloads W1-W5, ember and LibTorch alternating in one run (bench/compare --help).
compare: deps deps-peer
	python3 bench/compare $(COMPARE_ARGS)

install-test: configure
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target ember
	rm -rf $(BUILD)/install-app
	$(CMAKE) --install $(BUILD) --prefix $(PREFIX)
	$(CMAKE) -S tests/install -B $(BUILD)/install-app -G Ninja -DCMAKE_PREFIX_PATH=$(PREFIX)
	$(CMAKE) --build $(BUILD)/install-app
	./$(BUILD)/install-app/app

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
