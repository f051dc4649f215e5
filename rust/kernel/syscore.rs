// SPDX-License-Identifier: GPL-2.0

//! System core operations: the last work before the system suspends or
//! shuts down, and the first after it resumes.
//!
//! The callbacks run on the boot CPU with interrupts disabled and every other
//! CPU offline, so they may touch that CPU's hardware state directly but must
//! not sleep.
//!
//! C header: [`include/linux/syscore_ops.h`](srctree/include/linux/syscore_ops.h)

use crate::{
    bindings,
    error::{from_result, Result},
    prelude::*,
    types::Opaque, //
};
use core::marker::PhantomData;

/// The operations of a system core registration.
#[vtable]
pub trait Operations {
    /// Called before the system suspends; an error aborts the suspend.
    fn suspend() -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Called when the system resumes, before other CPUs come back.
    fn resume() {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }

    /// Called when the system shuts down or reboots (including kexec).
    fn shutdown() {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A registered set of system core operations; unregistered on drop.
///
/// # Invariants
///
/// `syscore` is registered with `register_syscore()` and stays registered,
/// at this pinned address, until the registration is dropped.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Operations> {
    #[pin]
    syscore: Opaque<bindings::syscore>,
    _t: PhantomData<T>,
}

// SAFETY: `unregister_syscore` may be called from any thread.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: The registration offers no operation through a shared reference.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    const VTABLE: bindings::syscore_ops = bindings::syscore_ops {
        suspend: if T::HAS_SUSPEND {
            Some(Self::suspend_callback)
        } else {
            None
        },
        resume: if T::HAS_RESUME {
            Some(Self::resume_callback)
        } else {
            None
        },
        shutdown: if T::HAS_SHUTDOWN {
            Some(Self::shutdown_callback)
        } else {
            None
        },
    };

    /// Registers the operations of `T`.
    pub fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            syscore <- Opaque::try_ffi_init(|slot: *mut bindings::syscore| {
                // SAFETY: `slot` is valid for writes; the list node is
                // initialised by `register_syscore`, and `ops` points to a
                // static table.
                unsafe {
                    slot.write(bindings::syscore {
                        node: pin_init::zeroed(),
                        ops: &Self::VTABLE,
                        data: core::ptr::null_mut(),
                    });
                    // INVARIANT: Registered here; `PinnedDrop` unregisters
                    // before the pinned memory goes away.
                    bindings::register_syscore(slot);
                }
                Ok::<(), Error>(())
            }),
            _t: PhantomData,
        })
    }

    extern "C" fn suspend_callback(_data: *mut c_void) -> c_int {
        from_result(|| {
            T::suspend()?;
            Ok(0)
        })
    }

    extern "C" fn resume_callback(_data: *mut c_void) {
        T::resume();
    }

    extern "C" fn shutdown_callback(_data: *mut c_void) {
        T::shutdown();
    }
}

#[pinned_drop]
impl<T: Operations> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant it is registered.
        unsafe { bindings::unregister_syscore(self.syscore.get()) };
    }
}
