// SPDX-License-Identifier: GPL-2.0

//! CPU hotplug states: callbacks when CPUs come and go.
//!
//! A subsystem that keeps per-CPU hardware state registers callbacks for a
//! hotplug *state*. Callbacks in the STARTING section run on the incoming CPU
//! itself, with interrupts disabled, before the CPU runs any task; they must
//! not sleep or fail for reasons the CPU could live with.
//!
//! C header: [`include/linux/cpuhotplug.h`](srctree/include/linux/cpuhotplug.h)

use crate::{
    bindings,
    cpu::CpuId,
    error::{from_result, to_result, Result},
    prelude::*, //
};
use core::marker::PhantomData;

/// A hotplug state: where in the bring-up and tear-down sequence callbacks run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct State(bindings::cpuhp_state);

impl State {
    /// The state `raw` of `enum cpuhp_state` (`CPUHP_*`).
    ///
    /// A fixed state belongs to the subsystem `cpuhotplug.h` names it for;
    /// registering it checks that it is one callbacks can be installed for.
    pub const fn from_raw(raw: bindings::cpuhp_state) -> Self {
        Self(raw)
    }

    /// A state in the online section, allocated when it is registered (see
    /// [`Registration::state`]).
    pub const AP_ONLINE_DYN: Self = Self(bindings::cpuhp_state_CPUHP_AP_ONLINE_DYN);

    /// A state in the prepare section, run on a control CPU, allocated when
    /// it is registered (see [`Registration::state`]).
    pub const BP_PREPARE_DYN: Self = Self(bindings::cpuhp_state_CPUHP_BP_PREPARE_DYN);
}

/// Callbacks for one hotplug state.
#[vtable]
pub trait Callbacks {
    /// Called on the way up, for `cpu`.
    ///
    /// An error stops the CPU from coming online: return one only when the
    /// CPU really must not run.
    fn startup(cpu: CpuId) -> Result;

    /// Called on the way down, for `cpu`.
    fn teardown(_cpu: CpuId) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Callbacks of `T` installed for a hotplug state; removed on drop.
///
/// # Invariants
///
/// The callbacks of `T` are installed for `self.state` until `drop`.
pub struct Registration<T: Callbacks> {
    state: State,
    _t: PhantomData<T>,
}

impl<T: Callbacks> Registration<T> {
    /// Installs the callbacks without calling them for the CPUs already
    /// online; the caller brings those CPUs into line itself (see
    /// [`CpusReadGuard::call_on`](crate::cpu::CpusReadGuard::call_on)).
    ///
    /// `state` is a fixed state or one of the dynamic ones
    /// ([`State::AP_ONLINE_DYN`], [`State::BP_PREPARE_DYN`]), for which a
    /// free state is allocated. Fails with `EBUSY` if a fixed state has
    /// callbacks already, `ENOSPC` if no dynamic state is left.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{cpu::CpuId, cpuhp};
    ///
    /// struct Noop;
    ///
    /// #[vtable]
    /// impl cpuhp::Callbacks for Noop {
    ///     fn startup(_cpu: CpuId) -> Result {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let r = cpuhp::Registration::<Noop>::new_nocalls(
    ///     cpuhp::State::AP_ONLINE_DYN,
    ///     c"rust/doctest:online",
    /// )?;
    /// assert_ne!(r.state(), cpuhp::State::AP_ONLINE_DYN);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new_nocalls(state: State, name: &'static CStr) -> Result<Self> {
        // SAFETY: `name` is a static C string, the callbacks are valid
        // `extern "C"` functions for the lifetime of the kernel, and the
        // state is not multi-instance.
        let ret = unsafe {
            bindings::__cpuhp_setup_state(
                state.0,
                name.as_char_ptr(),
                false,
                Some(Self::startup_callback),
                if T::HAS_TEARDOWN {
                    Some(Self::teardown_callback)
                } else {
                    None
                },
                false,
            )
        };
        to_result(ret)?;
        // A dynamic state comes back as the positive number allocated.
        let state = if ret > 0 { State(ret) } else { state };
        // INVARIANT: Installed above, for `state`.
        Ok(Self {
            state,
            _t: PhantomData,
        })
    }

    /// The state the callbacks are installed for (the allocated one for a
    /// dynamic state).
    pub fn state(&self) -> State {
        self.state
    }

    extern "C" fn startup_callback(cpu: c_uint) -> c_int {
        // The hotplug core passes only valid, possible CPU numbers.
        from_result(|| {
            let cpu = CpuId::from_u32(cpu).ok_or(EINVAL)?;
            T::startup(cpu)?;
            Ok(0)
        })
    }

    extern "C" fn teardown_callback(cpu: c_uint) -> c_int {
        from_result(|| {
            let cpu = CpuId::from_u32(cpu).ok_or(EINVAL)?;
            T::teardown(cpu)?;
            Ok(0)
        })
    }
}

impl<T: Callbacks> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the state is installed.
        unsafe { bindings::__cpuhp_remove_state(self.state.0, false) };
    }
}
