# SPDX-License-Identifier: GPL-2.0
# A logical CPU goes offline and comes back.
cpu=/sys/devices/system/cpu/cpu1/online
echo 0 >$cpu
kl_check cpu1-offline "" [ "$(cat $cpu)" = 0 ]
echo 1 >$cpu
kl_check cpu1-online-again "" [ "$(cat $cpu)" = 1 ]
