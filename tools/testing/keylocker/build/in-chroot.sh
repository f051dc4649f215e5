#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in the toolchain chroot, creating the chroot first if needed.
# Usage: in-chroot.sh COMMAND [ARGS...]   (paths: clone at /src, cache at /cache)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$KL_TOOLS/build/chroot.sh"
kl_in_chroot "$@"
