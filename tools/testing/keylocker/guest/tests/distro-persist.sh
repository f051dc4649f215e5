# SPDX-License-Identifier: GPL-2.0
# After a clean power-off and a new boot of the Debian system, what
# distro-s3 wrote to both volumes reads back.
kl_check root-reads-back-after-reboot "" kl_same_sum /root/kl-s3 /root/kl-s3.sum
kl_check data-reads-back-after-reboot "" kl_same_sum /srv/data/kl-s3 /root/kl-s3.sum
