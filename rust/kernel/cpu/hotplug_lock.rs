// SPDX-License-Identifier: GPL-2.0

//! Holding CPU hotplug off, and running code on a given CPU meanwhile.
//!
//! C header: [`include/linux/cpuhplock.h`](srctree/include/linux/cpuhplock.h)

use crate::{
    bindings,
    cpu::CpuId,
    cpumask::Cpumask,
    error::{to_result, Result},
    prelude::*,
    types::NotThreadSafe, //
};

/// CPU hotplug held off: no CPU comes online or goes offline while it lives.
///
/// # Invariants
///
/// `cpus_read_lock()` is held by this task.
#[must_use = "CPU hotplug is held off only while the guard lives"]
pub struct CpusReadGuard {
    _not_send: NotThreadSafe,
}

impl CpusReadGuard {
    /// Blocks CPU hotplug; may sleep.
    pub fn lock() -> Self {
        // SAFETY: Called in task context (it may sleep); released in `Drop`.
        unsafe { bindings::cpus_read_lock() };
        // INVARIANT: Taken above.
        Self {
            _not_send: NotThreadSafe,
        }
    }

    /// Returns the mask of the CPUs online, which stays as it is while the
    /// guard lives.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::cpu::{CpuId, CpusReadGuard};
    ///
    /// let cpus = CpusReadGuard::lock();
    /// // The CPU this runs on is online, and counted once.
    /// let n = cpus.online().iter().count();
    /// assert!(n >= 1 && n == cpus.online().weight() as usize);
    /// let here = cpus.call_on(CpuId::current(), |cpu| cpu.as_u32())?;
    /// assert!(cpus.online().test(CpuId::from_u32(here).unwrap()));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn online(&self) -> &Cpumask {
        // SAFETY: `__cpu_online_mask` is a valid, static cpumask; the read
        // lock held (the type invariant) keeps it from changing while the
        // returned reference, tied to the guard, lives.
        unsafe { Cpumask::from_raw(&raw const bindings::__cpu_online_mask) }
    }

    /// Runs `f` on `cpu`, in task context (a kworker bound to that CPU),
    /// waits for it and returns its result.
    ///
    /// Task context rather than an IPI, so that `f` may open a kernel FPU
    /// section whatever the target CPU was doing; the guard keeps `cpu`
    /// online, so the worker cannot move. Returns `ENXIO` if `cpu` is not
    /// online.
    pub fn call_on<R: Send, F: FnOnce(CpuId) -> R + Send>(&self, cpu: CpuId, f: F) -> Result<R> {
        struct Call<R, F> {
            f: Option<F>,
            r: Option<R>,
        }
        /// # Safety
        ///
        /// `par` must point to a `Call<R, F>` that nothing else uses during
        /// the call.
        unsafe extern "C" fn trampoline<R, F: FnOnce(CpuId) -> R>(par: *mut c_void) -> c_int {
            // SAFETY: By the function's safety requirements; `par` is the
            // `Call` below, which the calling task does not touch until
            // `smp_call_on_cpu` has returned.
            let call = unsafe { &mut *par.cast::<Call<R, F>>() };
            if let Some(f) = call.f.take() {
                call.r = Some(f(CpuId::current()));
            }
            0
        }
        let mut call = Call {
            f: Some(f),
            r: None,
        };
        let par = (&raw mut call).cast::<c_void>();
        // SAFETY: `trampoline::<R, F>` has the signature `smp_call_on_cpu`
        // expects, and its requirement holds: `par` is a `Call<R, F>` that
        // stays valid and unused here because `smp_call_on_cpu` waits for
        // the work to finish.
        to_result(unsafe {
            bindings::smp_call_on_cpu(cpu.as_u32(), Some(trampoline::<R, F>), par, false)
        })?;
        call.r.ok_or(ENXIO)
    }
}

impl Drop for CpusReadGuard {
    fn drop(&mut self) {
        // SAFETY: By the type invariant this task holds the lock.
        unsafe { bindings::cpus_read_unlock() };
    }
}
