# SPDX-License-Identifier: GPL-2.0
# The main job's walk-through: pick a mode as an administrator would, and
# show what the kernel reports.
mode=$(kl_param klmode)
echo "KLSHOW # cat $KL_SYSFS/mode"
echo "KLSHOW $(cat $KL_SYSFS/mode)"
echo "KLSHOW # echo $mode > $KL_SYSFS/mode"
res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check demo-select "$mode: $res" [ "$res" = OK ]
echo "KLSHOW # cat $KL_SYSFS/mode $KL_SYSFS/status"
echo "KLSHOW $(cat $KL_SYSFS/mode)"
echo "KLSHOW $(cat $KL_SYSFS/status)"
echo "KLSHOW $(dmesg | grep 'keylocker:' | tail -n1)"
