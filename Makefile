# tradeauth — the two commands of README (make run, make test) and plain `make`.
# CMake does the real work; these targets only order the steps.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
JOBS       ?= $(shell nproc)
RUN_FLAGS  ?=
PREFIX     ?= /usr/local
DESTDIR    ?=

.PHONY: all deps build run test test-release test-asan test-fuzz fuzz bench clean install

all: build

deps:
	@scripts/deps.sh

# TA_TESTS=OFF: plain `make` and `make run` need none of the test packages (cmocka).
build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTA_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target tradeauth

# Installs what is missing, builds a release binary, serves on 127.0.0.1:8080 with
# SQLite at var/tradeauth.db and the default company (real 1, demo twin 2); the try-it
# page on http://127.0.0.1:8080/console/.
run: build
	@mkdir -p var
	./$(BUILD)/tradeauth serve --console on $(RUN_FLAGS)

# The binary, tradeauth(1), /etc/tradeauth/tradeauth.ini (kept if present) and
# tradeauth.service under $(DESTDIR)$(PREFIX); docs/operations.md "Installing as a service".
install: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target tradeauth tradeauth_docs
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The whole suite: release build, then again under AddressSanitizer + UBSan.
test:
	@scripts/deps.sh test
	@scripts/lint.sh
	@scripts/check-fresh-build.sh
	@$(MAKE) --no-print-directory test-release test-asan test-fuzz

test-release:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DTA_TESTS=ON >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTA_SANITIZE=ON -DTA_TESTS=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

# libFuzzer harnesses (tests/fuzz) under ASan + UBSan, built with clang-14: 20 s each in
# `make test`, FUZZ_SECONDS (300) each in `make fuzz`.
test-fuzz:
	@CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTA_FUZZ=ON -DTA_TESTS=OFF \
	  -DTA_FUZZ_SECONDS=20 >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_request fuzz_bind fuzz_config fuzz_token fuzz_head
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz

fuzz:
	@CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DTA_FUZZ=ON -DTA_TESTS=OFF \
	  -DTA_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_request fuzz_bind fuzz_config fuzz_token fuzz_head
	@cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz

bench:
	@bench/run

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
