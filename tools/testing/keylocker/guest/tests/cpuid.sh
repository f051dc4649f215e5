# SPDX-License-Identifier: GPL-2.0
# Read the CPU's Key Locker enumeration as the guest sees it, and show it.
show() { printf "0x%08x" "$1"; }
set -- $(kl_cpuid 7 0)
kl_check cpuid-readable "leaf 7: $*" [ $# -eq 4 ]
echo "KLSHOW Key Locker, CPUID.(7,0):ECX[23] = $(( ($3 >> 23) & 1 ))"
set -- $(kl_cpuid 0x19 0)
echo "KLSHOW CPUID.19H: EAX=$(show "$1") EBX=$(show "$2") ECX=$(show "$3")"
