# SPDX-License-Identifier: GPL-2.0
# Key Locker works from user space: klring3's FIPS-197, wide, restriction and
# tampering checks.
kl_ring3
