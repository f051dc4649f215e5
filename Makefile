# SPDX-License-Identifier: GPL-2.0
#
# Entry point of the Rust Key Locker project. Everything is built inside a
# Debian 13 chroot that the scripts under tools/testing/keylocker/build/
# create; slow results are cached under $(KL_CACHE), outside the clone.

KL_CACHE ?= /var/cache/keylocker-rfl
export KL_CACHE KERNEL_SRC

TOOLS := tools/testing/keylocker
CHROOT := $(TOOLS)/build/in-chroot.sh
RUNNER := /src/$(TOOLS)/runner/klrun.py

.PHONY: all demo check bench configs bisect build distro toolchain run patches clean help

all: demo

help:
	@echo 'make          build everything missing, then boot the emulated Key Locker machine and show it working'
	@echo 'make check    build (also the PREEMPT_RT debug kernel), then run every test;'
	@echo '              ends with "N passed, N failed, N skipped"'
	@echo 'make bench    count what AES-KL costs on the emulated machine (build/bench/)'
	@echo 'make configs  build the exported series in the configurations distributions use'
	@echo 'make run      boot the emulated machine with a shell on this terminal'
	@echo 'make patches  export the project as a patch series on the pinned base (build/patches/)'
	@echo 'make bisect   build every prefix of that series in the test configuration'
	@echo '              (BISECT_FROM=N: from patch N on; logs in build/bisect/)'
	@echo 'make clean    remove build/ (KL_CACHE=$(KL_CACHE) keeps the slow parts)'
	@echo 'Variables: KL_CACHE=dir  KERNEL_SRC=/path/to/linux-7.3  KL_JOBS=n  KL_TIMEOUT_SCALE=x'

toolchain:
	$(TOOLS)/build/chroot.sh

build: toolchain
	mkdir -p build
	$(TOOLS)/build/guest-rust.sh klring3 build/klring3
	$(TOOLS)/build/guest-rust.sh klcrypt build/klcrypt
	$(CHROOT) /src/$(TOOLS)/build/all.sh

# The Debian systems of the distro scenarios (tools/testing/keylocker/distro/).
distro: build
	$(TOOLS)/build/distro-root.sh
	$(CHROOT) /src/$(TOOLS)/build/distro-image.sh common /build/distro-common
	$(CHROOT) /src/$(TOOLS)/build/distro-image.sh priority /build/distro-priority

demo: build
	$(CHROOT) $(RUNNER) --group demo --console

# The debug kernel is built before anything runs: a build beside
# the scenarios slows the emulated CPUs enough to make TCG CPU bring-up and
# the plugin's determinism checks fail.
check: build patches distro
	$(CHROOT) /src/$(TOOLS)/build/all.sh debug
	$(CHROOT) /src/$(TOOLS)/build/lint.sh > build/lint.results
	$(CHROOT) /src/$(TOOLS)/build/docs.sh > build/docs.results
	$(CHROOT) /src/$(TOOLS)/build/configs.sh --assembled guard > build/config.results
	$(CHROOT) sh -c '. /build/paths.env && \
		/src/$(TOOLS)/plugin/selftest.sh $${QEMU%/build/*}' > build/plugin.results
	$(CHROOT) $(RUNNER) --group check --results /build/lint.results \
		/build/docs.results /build/config.results /build/plugin.results

bench: build
	$(CHROOT) /src/$(TOOLS)/bench/klbench.py --out /build/bench

configs: patches
	mkdir -p build
	$(CHROOT) /src/$(TOOLS)/build/configs.sh | tee build/configs.results
	$(CHROOT) $(RUNNER) --results-only --results /build/configs.results

bisect: patches
	$(CHROOT) /src/$(TOOLS)/build/bisect.sh $(if $(BISECT_FROM),--from $(BISECT_FROM))

run: build
	$(CHROOT) $(RUNNER) --interactive demo

patches: toolchain
	$(CHROOT) /src/$(TOOLS)/build/export-patches.sh

clean:
	rm -rf build
