# SPDX-License-Identifier: GPL-2.0
# Loading aeskl with Key Locker active runs its KUnit suites; the runner
# reads their results from the console.
kl_check aeskl-loaded "" kl_aeskl
