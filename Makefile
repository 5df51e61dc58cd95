# camveil: one non-recursive Makefile.
#
#   make            build build/camveil
#   make deps       install missing Debian packages (idempotent)
#   make run        deps + build + start the proxy on its demo camera
#   make check      deps + build + every test suite (unit, integration, regression)
#   make bench      speed benchmarks (not tests)
#   make models     download the pinned YuNet models into models/ (sha256-checked)
#   make SANITIZE=address,undefined check    build with sanitizers
#   make WERROR=1   warnings are errors (CI)

BUILD    ?= build
CC       ?= cc
CXX      ?= g++
PREFIX   ?= /usr/local
PKGS     := libavformat libavcodec libavutil libswscale yaml-0.1 \
            libevent libevent_pthreads libsodium libzstd
# Debian's OpenCV -dev packages for the few modules we use ship no .pc file
# (only the libopencv-dev metapackage does): fall back to the known layout.
CV_CFLAGS := $(shell pkg-config --cflags opencv4 2>/dev/null || echo -I/usr/include/opencv4)
CV_LIBS   := -lopencv_dnn -lopencv_imgproc -lopencv_core

WARN     := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
DEFS     := -D_GNU_SOURCE -DCAMVEIL_MODEL_DIR='"$(PREFIX)/share/camveil/models"'
CFLAGS   += -std=c17 $(OPT) $(WARN) $(DEFS) -MMD -MP -pthread \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CXXFLAGS += -std=c++17 $(OPT) -Wall -Wextra -Wshadow $(DEFS) -MMD -MP -pthread $(CV_CFLAGS)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(CV_LIBS) -lstdc++ -lm -pthread
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# Library sources (everything but main), shared by the binary and the tests.
LIB_C   := $(filter-out proxy/main.c,$(wildcard util/*.c codecs/*.c blur/*.c keys/*.c proxy/*.c))
LIB_CXX := blur/yunet.cpp
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cpp=$(BUILD)/%.o)
BIN     := $(BUILD)/camveil

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC  := $(wildcard tests/tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
CMOCKA    := $(shell pkg-config --cflags --libs cmocka 2>/dev/null || echo -lcmocka)

.PHONY: all deps run check test unit bench models fuzz clean
all: $(BIN)

$(BIN): $(BUILD)/proxy/main.o $(LIB_OBJ)
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDFLAGS) $(LDLIBS) $(CMOCKA) -lstdc++

$(BUILD)/tests/tools/%: tests/tools/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDFLAGS) $(LDLIBS)

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(BIN) proxy

unit: $(UNIT_BIN) $(TOOL_BIN)

check:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory all unit
	@tests/run.sh $(BUILD)

# anonymize speed and memory, encrypt mode's cost, then the live proxy
# (latency, capacity, 10-minute RSS): about 35 minutes on 2 cores.
bench: deps
	@$(MAKE) --no-print-directory all
	tests/bench/bench.sh $(BUILD)
	tests/bench/seal.sh $(BUILD)
	tests/bench/proxy.sh $(BUILD)

models:
	scripts/models.sh models

# Fuzz drivers (clang + libFuzzer): `make fuzz` runs each for FUZZ_SECONDS
# from its seed corpus in tests/fuzz/corpus/NAME/.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c17 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	$(shell pkg-config --cflags yaml-0.1 2>/dev/null)
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c proxy/config.c util/err.c util/log.c util/parse.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --libs yaml-0.1)
$(BUILD)/fuzz/fuzz_rtsp: tests/fuzz/fuzz_rtsp.c proxy/rtsp_msg.c proxy/rtp.c proxy/auth.c util/err.c util/log.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --cflags --libs libsodium libavutil)
$(BUILD)/fuzz/fuzz_sei: tests/fuzz/fuzz_sei.c codecs/sei.c util/err.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --cflags --libs libavutil)
$(BUILD)/fuzz/fuzz_audit: tests/fuzz/fuzz_audit.c keys/audit.c util/err.c util/log.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --cflags --libs libsodium)
$(BUILD)/fuzz/fuzz_sidecar: tests/fuzz/fuzz_sidecar.c codecs/sidecar.c codecs/codecs.c \
    codecs/decode.c codecs/demux.c codecs/scale.c util/err.c util/log.c util/clock.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --cflags --libs libavformat libavcodec \
	    libavutil libswscale)
$(BUILD)/fuzz/fuzz_depay: tests/fuzz/fuzz_depay.c codecs/depay.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
$(BUILD)/fuzz/fuzz_rtspc: tests/fuzz/fuzz_rtspc.c codecs/rtspc.c codecs/depay.c util/clock.c \
    util/err.c util/log.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --cflags --libs libavutil)
KEYS_FUZZ := fuzz_seal fuzz_request fuzz_approval fuzz_share
KEYS_FUZZ_C := keys/tss.c keys/wire.c keys/armor.c keys/judicial.c keys/seal.c keys/unlock.c \
	util/err.c util/log.c
$(KEYS_FUZZ:%=$(BUILD)/fuzz/%): $(BUILD)/fuzz/%: tests/fuzz/%.c $(KEYS_FUZZ_C)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(shell pkg-config --cflags --libs libsodium libzstd)
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
	@for f in $(FUZZ_SRC:tests/fuzz/%.c=%); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$f; \
		$(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		    -artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus-$$f \
		    tests/fuzz/corpus/$${f#fuzz_} || exit 1; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
