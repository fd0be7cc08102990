# guardroom — everything needs only Go and make.
GO      ?= go
BIN     ?= bin/guardroom
DEMO    ?= .demo
# The race detector needs cgo and a C compiler; without one, tests still run.
RACE    := $(shell command -v $${CC:-cc} >/dev/null 2>&1 && echo -race)
FUZZTIME ?= 15s
BENCHPKG ?= ./...

.PHONY: all build run demo test vet fmt-check bench fuzz clean peers

all: build

build:
	$(GO) build -o $(BIN) ./cmd/guardroom

# Opens the console on the demo site, building it on first use. The demo
# lives in .demo/ (data and key apart), never in your real data directory.
run: build
	@mkdir -p $(DEMO)
	$(BIN) --data $(DEMO)/data --key-file $(DEMO)/data.key console --demo

# Rebuilds the demo site from scratch.
demo: build
	rm -rf $(DEMO)
	mkdir -p $(DEMO)
	$(BIN) --data $(DEMO)/data --key-file $(DEMO)/data.key demo

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	@[ -n "$(RACE)" ] || echo "note: no C compiler found, running tests without the race detector"
	@./.ci/peers note
	$(GO) test $(RACE) -count=1 ./...

# Installs the Modbus peers the interop tests run against (socat, mbpoll,
# pymodbus: Debian packages; through sudo unless root). See docs/modbus.md.
peers:
	./.ci/peers install

# Benchmarks with their raw-Badger baselines; figures go in docs/PERFORMANCE.md.
bench:
	$(GO) test $(BENCHPKG) -run '^$$' -bench . -benchmem -benchtime 1x -count 3

# A short run of every fuzz target.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test $$pkg -list '^Fuzz' 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

# Draws the README's pictures (docs/pictures/*.svg) from the styled golden
# screens; run it after `go test ./tui -run TestScreens -update`.
.PHONY: pictures
pictures:
	$(GO) run ./cmd/internal/pictures

clean:
	rm -rf bin $(DEMO)
