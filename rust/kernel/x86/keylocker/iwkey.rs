// SPDX-License-Identifier: GPL-2.0

//! Loading the wrapping key: CR4.KL, LOADIWKEY, the IWKey backup, the
//! paravirtual request and the published state. For the built-in core in
//! `arch/x86/kernel/keylocker/` only.
//!
//! # Built in only
//!
//! Each function here that changes processor or system state ends in a C
//! function the kernel does not export (see `asm/keylocker.h`), and every
//! function is `#[inline]`, so the kernel crate exports none of them: a
//! loadable module that uses one fails to link (modpost reports the C
//! symbol undefined). Modules read the state with [`state`] and use
//! handles; only built-in code changes CR4.KL, the IWKey or the state.
//!
//! # What the types guarantee
//!
//! AES-KL users run Key Locker instructions on any CPU once they read
//! [`State::Active`]. So `Active` is published only by
//! [`Control::activate`], after it found that every online CPU runs the
//! instructions, and while a [`Control`] exists every
//! CPU that comes online is checked before it runs anything: one that
//! cannot run them ends the generation ([`State::Lost`]). CR4.KL is
//! cleared only by [`KlCpu::disable`], which refuses while `Active` is
//! published and borrows the [`Control`], so no activation runs meanwhile.
//!
//! C header: [`arch/x86/include/asm/keylocker.h`](srctree/arch/x86/include/asm/keylocker.h)

use super::{
    handle::Handle128,
    state,
    Enabled,
    Enumeration,
    Features,
    Generation,
    Restrictions,
    State, //
};
use crate::{
    bindings,
    cpu::{
        CpuId,
        CpusReadGuard, //
    },
    cpuhp,
    error::to_result,
    prelude::*,
    random,
    secret::Secret,
    time::{
        delay::fsleep,
        Delta, //
    },
    x86::{
        fpu::KernelFpu,
        kvm_para,
        msr, //
    },
};
use core::marker::PhantomData;

/// A wrapping key as LOADIWKEY takes it: the 128-bit integrity key, then
/// the 256-bit encryption key.
pub struct WrappingKey(Secret<48>);

impl WrappingKey {
    /// Returns an all-zero key, to be filled in place (see [`Secret`]).
    #[inline]
    pub const fn zeroed() -> Self {
        Self(Secret::zeroed())
    }

    /// Fills the key from the kernel's CRNG.
    #[inline]
    pub fn fill_random(&mut self) {
        random::fill_bytes(self.0.as_mut());
    }
}

/// Where LOADIWKEY takes the key from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Exactly the software-provided key (KeySource=0).
    Software,
    /// The software key XORed with the CPU's full-entropy random numbers
    /// (KeySource=1): nobody, not even this kernel, knows the result.
    Hardware,
}

/// Sets CR4.KL on the CPU this runs on (it may already be set); `ENODEV`
/// if this CPU has no Key Locker, where the bit is reserved.
///
/// Setting the bit only makes the Key Locker instructions available: with
/// no key loaded they fail with ZF=1.
#[inline]
pub fn set_cr4_this_cpu() -> Result {
    // SAFETY: The helper sets CR4.KL only if the CPUID of the CPU it runs
    // on enumerates Key Locker, with interrupts off between the check and
    // the write, and has no other effect.
    to_result(unsafe { bindings::keylocker_cr4_set() })
}

/// CR4.KL is set on the CPU this runs on.
///
/// # Invariants
///
/// CR4.KL was set on this CPU, and the borrowed FPU section keeps this code
/// on this CPU while the token lives.
pub struct KlCpu<'a> {
    fpu: &'a KernelFpu,
}

impl<'a> KlCpu<'a> {
    /// Sets CR4.KL on this CPU and returns the token for the Key Locker
    /// operations on it; `ENODEV` if this CPU has no Key Locker.
    #[inline]
    pub fn enable(fpu: &'a KernelFpu) -> Result<Self> {
        set_cr4_this_cpu()?;
        // INVARIANT: Set above; `fpu` keeps us on this CPU.
        Ok(Self { fpu })
    }

    /// The FPU section this runs in.
    #[inline]
    pub fn fpu(&self) -> &KernelFpu {
        self.fpu
    }

    /// Loads `key` as this CPU's IWKey. Returns `EAGAIN` if the hardware
    /// random source did not deliver (only with [`KeySource::Hardware`]),
    /// `EOPNOTSUPP` if this CPU does not offer `source` or `nobackup`.
    #[inline]
    pub fn load(&self, key: &WrappingKey, source: KeySource, nobackup: bool) -> Result {
        let control = u32::from(nobackup) | (u32::from(source == KeySource::Hardware) << 1);
        if control & !Enumeration::this_cpu().loadiwkey_controls() != 0 {
            return Err(EOPNOTSUPP);
        }
        let zf: u8;
        // SAFETY:
        // - CR4.KL is set on this CPU (the type invariant) and we run at
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
    #[inline]
    pub fn start_backup(&self) -> Result {
        write_msr(bindings::MSR_IA32_COPY_LOCAL_TO_PLATFORM, 1)
    }

    /// Loads the IWKey from platform storage; `EIO` if there is no valid
    /// backup or the copy fails.
    #[inline]
    pub fn restore(&self) -> Result {
        if msr::read_safe(bindings::MSR_IA32_IWKEYBACKUP_STATUS)? & BACKUP_VALID == 0 {
            return Err(EIO);
        }
        write_msr(bindings::MSR_IA32_COPY_PLATFORM_TO_LOCAL, 1)?;
        if msr::read_safe(bindings::MSR_IA32_COPY_STATUS)? & 1 == 0 {
            return Err(EIO);
        }
        Ok(())
    }

    /// Wraps `key` under this CPU's IWKey into a handle of `generation`,
    /// the one being set up (see [`Handle128::encode`]).
    #[inline]
    pub fn encode128(
        &self,
        generation: Generation,
        key: &[u8; 16],
        restrictions: Restrictions,
    ) -> Result<Handle128> {
        Handle128::encode_in(generation, self.fpu, key, restrictions)
    }

    /// Clears CR4.KL: this CPU no longer runs Key Locker instructions.
    ///
    /// Refuses with `EBUSY` while [`State::Active`] is published: users may
    /// then run the instructions here, which would fault (#UD) rather than
    /// fail. Borrowing `control` keeps `Active` from being published until
    /// this returns; no user is inside an FPU section on this CPU, as this
    /// code is.
    #[inline]
    pub fn disable<T: Starting>(self, _control: &Control<T>) -> Result {
        if matches!(state(), State::Active(_)) {
            return Err(EBUSY);
        }
        // SAFETY: Clearing CR4.KL has no effect on memory; no AES-KL user
        // runs a Key Locker instruction on this CPU now or until `Active`
        // is published again, which checks every CPU (see above).
        unsafe { bindings::keylocker_cr4_clear() };
        Ok(())
    }
}

/// IA32_IWKEYBACKUP_STATUS: the backup is valid (complete and usable).
const BACKUP_VALID: u64 = 1 << 0;
/// IA32_IWKEYBACKUP_STATUS: the platform storage failed to read or write.
const BACKUP_STORAGE_ERROR: u64 = 1 << 2;

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
#[inline]
pub fn wait_for_backup() -> Result<(), &'static str> {
    for _ in 0..BACKUP_POLLS {
        let status = msr::read_safe(bindings::MSR_IA32_IWKEYBACKUP_STATUS)
            .map_err(|_| "backup status unreadable")?;
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

/// Writes one of the MSRs the core writes: the IWKey copy MSRs and the
/// paravirtual one.
#[inline]
fn write_msr(msr: u32, val: u64) -> Result {
    // SAFETY: `keylocker_wrmsr` accepts only the IWKey copy MSRs and the
    // paravirt MSR, whose writes have no effect on memory.
    to_result(unsafe { bindings::keylocker_wrmsr(msr, val) })
}

/// Whether a KVM-compatible host advertises the paravirtual Key Locker
/// protocol (Documentation/virt/kvm/x86/keylocker.rst).
#[inline]
pub fn paravirt_offered() -> bool {
    kvm_para::has_feature(bindings::KVM_FEATURE_KEYLOCKER)
}

/// Sends `request` to the host's paravirtual Key Locker MSR and returns its
/// response; `EIO` if the MSR faults.
#[inline]
pub fn paravirt_request(request: u64) -> Result<u64> {
    write_msr(bindings::MSR_KVM_KEYLOCKER, request)?;
    msr::read_safe(bindings::MSR_KVM_KEYLOCKER)
}

/// The value of `keylocker.mode=`, if it was given.
///
/// A value longer than the kernel could keep comes back as a string that
/// is no mode name, so it is rejected like any malformed name.
#[inline]
pub fn boot_request() -> Option<&'static [u8]> {
    let mut len = 0usize;
    // SAFETY: `keylocker_boot_mode_get` writes `len` and returns either NULL
    // or a NUL-terminated string that lives for the whole boot.
    let ptr = unsafe { bindings::keylocker_boot_mode_get(&mut len) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` is a valid NUL-terminated string, as above.
    let kept = unsafe { CStr::from_char_ptr(ptr) }.to_bytes();
    Some(if kept.len() == len { kept } else { b"\0" })
}

/// Publishes [`State::Lost`] for `generation`: the wrapping key is gone, and
/// AES-KL users fail until a mode is chosen again.
#[inline]
pub fn lose(generation: Generation) {
    publish(State::Lost(generation));
}

/// Stores the state word the AES-KL users read.
#[inline]
fn publish(state: State) {
    // SAFETY: A plain atomic store of a word; what it means for the CPUs
    // is up to the callers in this file (see the module documentation).
    unsafe { bindings::keylocker_state_publish(state.to_word()) };
}

/// The built-in core's work on a CPU that comes online.
pub trait Starting {
    /// Gives the CPU this runs on the system's key, or ends the generation.
    ///
    /// Runs on the incoming CPU, with interrupts off, before it runs
    /// anything else; must not sleep.
    fn starting(cpu: CpuId);
}

/// The hotplug callbacks of a [`Control`]: the core's, then the check.
struct Checked<T>(PhantomData<T>);

#[vtable]
impl<T: Starting> cpuhp::Callbacks for Checked<T> {
    #[inline]
    fn startup(cpu: CpuId) -> Result {
        T::starting(cpu);
        if let State::Active(enabled) = state() {
            if !Enumeration::this_cpu().runs(enabled.features) {
                // The core left a CPU in `Active` that cannot run the
                // instructions in use: a bug, but not one users may fault on.
                let _ = set_cr4_this_cpu();
                lose(enabled.generation());
                pr_err!(
                    "CPU {}: online without the Key Locker features in use; key marked lost\n",
                    cpu.as_u32()
                );
            }
        }
        Ok(())
    }
}

/// The right to publish [`State::Active`].
///
/// # Invariants
///
/// At most one `Control` exists at a time: it holds the registration of
/// the Key Locker STARTING hotplug state, which has one slot. While it
/// exists, every CPU that comes online runs `T::starting` and then the
/// check of `Checked` before it runs anything else.
pub struct Control<T: Starting> {
    _hotplug: cpuhp::Registration<Checked<T>>,
}

impl<T: Starting> Control<T> {
    /// Installs `T` as the hotplug callback of Key Locker's STARTING state;
    /// `EBUSY` if a `Control` exists already.
    ///
    /// Nothing is called for the CPUs online now: until [`Control::activate`]
    /// no CPU has a key to keep.
    #[inline]
    pub fn new(name: &'static CStr) -> Result<Self> {
        let state = cpuhp::State::from_raw(bindings::cpuhp_state_CPUHP_AP_X86_KEYLOCKER_STARTING);
        // INVARIANT: The fixed state can be installed once: another
        // `Control` would have made this fail.
        Ok(Self {
            _hotplug: cpuhp::Registration::new_nocalls(state, name)?,
        })
    }

    /// Publishes [`State::Active`] for `generation` with `features`, after
    /// checking on each CPU online under `cpus` that it runs the Key Locker
    /// instructions with them; `EIO`, publishing nothing, naming the first
    /// CPU that does not. Returns the proof users get from [`state`].
    #[inline]
    pub fn activate(
        &mut self,
        cpus: &CpusReadGuard,
        generation: Generation,
        features: Features,
    ) -> Result<Enabled> {
        for cpu in cpus.online().iter() {
            if !cpus.call_on(cpu, |_| Enumeration::this_cpu().runs(features))? {
                pr_err!(
                    "CPU {}: cannot run the Key Locker instructions in use\n",
                    cpu.as_u32()
                );
                return Err(EIO);
            }
        }
        // INVARIANT: Every online CPU runs the instructions with `features`
        // (checked above: `cpus` keeps the set fixed, and `&mut self` keeps
        // `KlCpu::disable` from clearing CR4.KL meanwhile), CPUs that come
        // online are checked by `Checked` (the type invariant), and CR4.KL
        // is cleared nowhere while `Active` is published.
        let enabled = Enabled {
            generation,
            features,
        };
        publish(State::Active(enabled));
        Ok(enabled)
    }
}
