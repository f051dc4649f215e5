# SPDX-License-Identifier: GPL-2.0
# Key Locker not enabled: user space sees it absent in CPUID and ENCODEKEY128
# raises SIGILL.
kl_ring3 --expect-absent
