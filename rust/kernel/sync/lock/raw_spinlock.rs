// SPDX-License-Identifier: GPL-2.0

//! A kernel raw spinlock.
//!
//! This module allows Rust code to use the kernel's `raw_spinlock_t`. Unlike
//! `spinlock_t` ([`SpinLock`](super::spinlock::SpinLock)), which becomes a
//! sleeping lock on PREEMPT_RT, a raw spinlock spins on every kernel, so it
//! may be taken where nothing may sleep: with interrupts disabled, in a CPU
//! hotplug STARTING callback or in syscore suspend and resume. The price is
//! that the critical section is never preemptible, so it must be short and
//! bounded, and it must not take a `spinlock_t`, allocate or free memory.
//!
//! C header: [`include/linux/spinlock.h`](srctree/include/linux/spinlock.h)

use super::{Backend, Guard, Lock};
use crate::bindings;

/// Creates a [`RawSpinLock`] initialiser with the given name and a newly
/// created lock class.
///
/// It uses the name if one is given, otherwise it generates one based on
/// the file name and line number.
#[macro_export]
macro_rules! new_raw_spinlock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::sync::RawSpinLock::new(
            $inner, $crate::optional_name!($($name)?), $crate::static_lock_class!())
    };
}
pub use new_raw_spinlock;

/// A raw spinlock.
///
/// Exposes the kernel's [`raw_spinlock_t`]. When multiple CPUs attempt to
/// lock the same raw spinlock, only one at a time is allowed to progress,
/// the others spin, with preemption disabled, on every kernel configuration
/// (PREEMPT_RT included). Use it only for short sections that must run in
/// atomic context; [`SpinLock`](super::spinlock::SpinLock) is right
/// everywhere else.
///
/// Instances of [`RawSpinLock`] need a lock class and to be pinned. The
/// recommended way to create such instances is with the [`pin_init`] and
/// [`new_raw_spinlock`] macros.
///
/// # Examples
///
/// ```
/// use kernel::sync::{new_raw_spinlock, RawSpinLock};
///
/// let lock = KBox::pin_init(new_raw_spinlock!(0u32), GFP_KERNEL)?;
/// *lock.lock() += 1;
/// assert!(lock.try_lock().is_some_and(|v| *v == 1));
/// # Ok::<(), Error>(())
/// ```
///
/// [`raw_spinlock_t`]: srctree/include/linux/spinlock.h
pub type RawSpinLock<T> = Lock<T, RawSpinLockBackend>;

/// A kernel `raw_spinlock_t` lock backend.
pub struct RawSpinLockBackend;

/// A [`Guard`] acquired from locking a [`RawSpinLock`].
///
/// It unlocks the [`RawSpinLock`] when dropped.
pub type RawSpinLockGuard<'a, T> = Guard<'a, T, RawSpinLockBackend>;

// SAFETY: The underlying kernel `raw_spinlock_t` object ensures mutual
// exclusion. `relock` uses the default implementation that always calls the
// same locking method.
unsafe impl Backend for RawSpinLockBackend {
    type State = bindings::raw_spinlock_t;
    type GuardState = ();

    #[inline]
    unsafe fn init(
        ptr: *mut Self::State,
        name: *const crate::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) {
        // SAFETY: The safety requirements ensure that `ptr` is valid for
        // writes, and `name` and `key` are valid for read indefinitely.
        unsafe { bindings::raw_spin_lock_init(ptr, name, key) }
    }

    #[inline]
    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: The safety requirements of this function ensure that `ptr`
        // points to valid memory, and that it has been initialised before.
        unsafe { bindings::raw_spin_lock(ptr) }
    }

    #[inline]
    unsafe fn unlock(ptr: *mut Self::State, _guard_state: &Self::GuardState) {
        // SAFETY: The safety requirements of this function ensure that `ptr`
        // is valid and that the caller is the owner of the lock.
        unsafe { bindings::raw_spin_unlock(ptr) }
    }

    #[inline]
    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        // SAFETY: The `ptr` pointer is guaranteed to be valid and
        // initialised before use.
        let result = unsafe { bindings::raw_spin_trylock(ptr) };
        if result != 0 {
            Some(())
        } else {
            None
        }
    }

    #[inline]
    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: The `ptr` pointer is guaranteed to be valid and
        // initialised before use.
        unsafe { bindings::raw_spin_assert_is_held(ptr) }
    }
}
