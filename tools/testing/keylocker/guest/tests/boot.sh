# SPDX-License-Identifier: GPL-2.0
# The machine came up to our init with every CPU the scenario gave it.
want=$(sed -n 's/.*klcpus=\([0-9]*\).*/\1/p' /proc/cmdline)
have=$(grep -c ^processor /proc/cpuinfo)
kl_check boot-all-cpus-online "want ${want:-?} CPUs, have $have" [ "$have" = "$want" ]
