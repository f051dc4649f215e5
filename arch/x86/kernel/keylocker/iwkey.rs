// SPDX-License-Identifier: GPL-2.0

//! The processor side of the core: CR4.KL, LOADIWKEY, the IWKey backup and
//! the published state.
//!
//! Every processor-state change of the core is in this file. Everything here
//! runs on one CPU (a worker bound to it during mode selection, a STARTING
//! hotplug callback or syscore resume) inside a kernel FPU section, which
//! keeps it there and which the types below demand.

use crate::caps;
use kernel::{
    bindings,
    prelude::*,
    random,
    secret::Secret,
    time::{delay::fsleep, Delta},
    x86::{fpu::KernelFpu, keylocker::State, msr},
};

/// A wrapping key as LOADIWKEY takes it: the 128-bit integrity key, then
/// the 256-bit encryption key.
pub(crate) struct WrappingKey(Secret<48>);

impl WrappingKey {
    /// Returns an all-zero key, to be filled in place (see [`Secret`]).
    pub(crate) const fn zeroed() -> Self {
        Self(Secret::zeroed())
    }

    /// Fills the key from the kernel's CRNG.
    pub(crate) fn fill_random(&mut self) {
        random::fill_bytes(self.0.as_mut());
    }
}

/// Where LOADIWKEY takes the key from.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum KeySource {
    /// Exactly the software-provided key (KeySource=0).
    Software,
    /// The software key XORed with the CPU's full-entropy random numbers
    /// (KeySource=1): nobody, not even this kernel, knows the result.
    Hardware,
}

/// CR4.KL is set on the CPU this runs on.
///
/// # Invariants
///
/// CR4.KL was set on this CPU, and the borrowed FPU section keeps this code
/// on this CPU while the token lives.
pub(crate) struct KlCpu<'a> {
    fpu: &'a KernelFpu,
}

/// Sets CR4.KL on the CPU this runs on (it may already be set); `ENODEV`
/// if this CPU has no Key Locker.
///
/// Once a mode is chosen every CPU with Key Locker has CR4.KL, even one
/// that could not get the key: Key Locker instructions must fail with ZF=1
/// there, not fault.
pub(crate) fn set_cr4_this_cpu() -> Result {
    // SAFETY: The helper sets CR4.KL only if the CPUID of the CPU it runs
    // on enumerates Key Locker, with interrupts off between the check and
    // the write; the bit only makes the Key Locker instructions available.
    kernel::error::to_result(unsafe { bindings::keylocker_cr4_set() })
}

/// Sets CR4.KL on this CPU and returns the token for the Key Locker
/// operations on it; `ENODEV` if this CPU has no Key Locker.
pub(crate) fn enable_this_cpu(fpu: &KernelFpu) -> Result<KlCpu<'_>> {
    set_cr4_this_cpu()?;
    // INVARIANT: Set above; `fpu` pins us to this CPU.
    Ok(KlCpu { fpu })
}

impl KlCpu<'_> {
    /// The FPU section this runs in.
    pub(crate) fn fpu(&self) -> &KernelFpu {
        self.fpu
    }

    /// Loads `key` as this CPU's IWKey. Returns `EAGAIN` if the hardware
    /// random source did not deliver (only with [`KeySource::Hardware`]),
    /// `EOPNOTSUPP` if this CPU does not offer `source` or `nobackup`.
    pub(crate) fn load(&self, key: &WrappingKey, source: KeySource, nobackup: bool) -> Result {
        let control = u32::from(nobackup) | (u32::from(source == KeySource::Hardware) << 1);
        if control & !caps::loadiwkey_controls() != 0 {
            return Err(EOPNOTSUPP);
        }
        let zf: u8;
        // SAFETY:
        // - CR4.KL is set on this CPU (the `KlCpu` invariant) and we run at
        //   CPL 0, so LOADIWKEY cannot raise #UD or #GP for those reasons;
        //   `control` holds only bits this CPU's CPUID offers (just read,
        //   on this CPU: the FPU section keeps us on it).
        // - An FPU section is open; xmm0-2 are declared clobbered and
        //   cleared before the block ends, so the key stays in no register.
        // - `key` is readable for 48 bytes.
        unsafe {
            core::arch::asm!(
                "movdqu ({k}), %xmm0",
                "movdqu 16({k}), %xmm1",
                "movdqu 32({k}), %xmm2",
                "loadiwkey %xmm2, %xmm1",
                "setz {zf}",
                "pxor %xmm0, %xmm0",
                "pxor %xmm1, %xmm1",
                "pxor %xmm2, %xmm2",
                k = in(reg) key.0.as_ref().as_ptr(),
                zf = out(reg_byte) zf,
                in("eax") control,
                out("xmm0") _, out("xmm1") _, out("xmm2") _,
                options(att_syntax, nostack),
            );
        }
        if zf == 0 {
            Ok(())
        } else {
            Err(EAGAIN)
        }
    }

    /// Starts copying this CPU's IWKey to platform storage; the copy may
    /// complete later: [`wait_for_backup`] tells when.
    pub(crate) fn start_backup(&self) -> Result {
        write_msr(bindings::MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1)
    }

    /// Loads the IWKey from platform storage; `EIO` if there is no valid
    /// backup or the copy fails.
    pub(crate) fn restore(&self) -> Result {
        if msr::read_safe(msr::IA32_IWKEYBACKUP_STATUS)? & BACKUP_VALID == 0 {
            return Err(EIO);
        }
        write_msr(bindings::MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1)?;
        if msr::read_safe(msr::IA32_COPY_STATUS)? & 1 == 0 {
            return Err(EIO);
        }
        Ok(())
    }

    /// Clears CR4.KL: this CPU no longer runs Key Locker instructions.
    ///
    /// # Safety
    ///
    /// The published state is `Disabled` and stays so until CR4.KL is set
    /// on this CPU again: no AES-KL user may run a Key Locker instruction
    /// here, which would fault (#UD) rather than fail.
    pub(crate) unsafe fn disable(self) {
        // SAFETY: No AES-KL user runs Key Locker instructions while the
        // state is `Disabled` (the function's safety requirement), and
        // clearing CR4.KL has no other effect.
        unsafe { bindings::keylocker_cr4_clear() };
    }
}

/// How often, and how long apart, [`wait_for_backup`] reads the backup
/// status: about 100 ms in all, like Intel's own code.
const BACKUP_POLLS: u32 = 1000;
const BACKUP_POLL_INTERVAL: Delta = Delta::from_micros(100);

/// Waits until the backup [`KlCpu::start_backup`] started is valid.
///
/// The write of IA32_COPY_LOCAL_TO_PLATFORM only starts the copy, which
/// the platform may complete much later (it may be writing flash), so the
/// valid bit of IA32_IWKEYBACKUP_STATUS is polled, sleeping between reads.
/// Fails, saying why, if the platform reports a storage error or the
/// backup is still not valid after about 100 ms. The status is
/// platform-scoped: this may run on any CPU, outside an FPU section.
pub(crate) fn wait_for_backup() -> Result<(), &'static str> {
    for _ in 0..BACKUP_POLLS {
        let status =
            msr::read_safe(msr::IA32_IWKEYBACKUP_STATUS).map_err(|_| "backup status unreadable")?;
        if status & BACKUP_STORAGE_ERROR != 0 {
            return Err("platform backup storage error");
        }
        if status & BACKUP_VALID != 0 {
            return Ok(());
        }
        fsleep(BACKUP_POLL_INTERVAL);
    }
    Err("backup not valid after 100 ms")
}

/// IA32_IWKEYBACKUP_STATUS: the backup is valid (complete and usable).
const BACKUP_VALID: u64 = 1 << 0;
/// IA32_IWKEYBACKUP_STATUS: the platform storage failed to read or write.
const BACKUP_STORAGE_ERROR: u64 = 1 << 2;

/// Writes one of the MSRs the core is allowed to write.
pub(crate) fn write_msr(msr: u32, val: u64) -> Result {
    // SAFETY: `keylocker_wrmsr` accepts only the IWKey copy MSRs and the
    // paravirt MSR, whose writes have no effect on memory safety.
    kernel::error::to_result(unsafe { bindings::keylocker_wrmsr(msr, val) })
}

/// Publishes the system state for the AES-KL users.
///
/// # Safety
///
/// With [`State::Active`], every online CPU has CR4.KL set and the key of
/// its generation loaded, and every CPU that comes online gets CR4.KL before
/// it runs tasks: AES-KL users run Key Locker instructions on any CPU once
/// they see `Active`.
pub(crate) unsafe fn publish(state: State) {
    // SAFETY: A plain atomic store; what `Active` promises holds (the
    // function's safety requirement).
    unsafe { bindings::keylocker_state_publish(state.to_word()) };
}
