// SPDX-License-Identifier: GPL-2.0

//! sysfs attribute groups in the CPU subsystem's root directory,
//! `/sys/devices/system/cpu/`.
//!
//! A subsystem that is a property of the whole processor complex (rather
//! than of one CPU) puts its knobs in a named group there, as `umwait_control`
//! does. The attributes are static: each is an [`Attribute`] whose operations
//! come from an [`AttributeOperations`] implementation, modelled on configfs's
//! attribute operations (`show` fills a page, `store` parses one).
//!
//! C header: [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h)

use crate::{
    bindings,
    error::Result,
    page::PAGE_SIZE,
    prelude::*,
    types::Opaque, //
};
use core::marker::PhantomData;

/// Operations of one attribute; `ID` tells the attributes of a type apart.
#[vtable]
pub trait AttributeOperations<const ID: u64 = 0> {
    /// Writes the attribute's text to `page`; returns the length written.
    fn show(page: &mut [u8; PAGE_SIZE]) -> Result<usize>;

    /// Parses and applies a write of `page` (what user space wrote, at most a
    /// page). The whole write is consumed on success.
    fn store(_page: &[u8]) -> Result {
        build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// A static sysfs attribute with the operations of `O`.
///
/// # Invariants
///
/// The wrapped `device_attribute` has a static name and the callbacks of
/// this type; `store` is set only if `O` implements it.
#[repr(transparent)]
pub struct Attribute<const ID: u64, O> {
    attr: Opaque<bindings::device_attribute>,
    _o: PhantomData<O>,
}

// SAFETY: The attribute is immutable after construction; sysfs only reads it.
unsafe impl<const ID: u64, O> Sync for Attribute<ID, O> {}
// SAFETY: As above, nothing in it is tied to a thread.
unsafe impl<const ID: u64, O> Send for Attribute<ID, O> {}

impl<const ID: u64, O: AttributeOperations<ID>> Attribute<ID, O> {
    /// Creates an attribute called `name` with permissions `mode`.
    ///
    /// Write permission in `mode` without a `store` operation fails to build.
    pub const fn new(name: &'static CStr, mode: u16) -> Self {
        build_assert!(O::HAS_STORE || mode & 0o222 == 0);
        let mut attr: bindings::device_attribute = pin_init::zeroed();
        attr.attr.name = crate::str::as_char_ptr_in_const_context(name);
        attr.attr.mode = mode;
        attr.__bindgen_anon_1.show = Some(Self::show);
        if O::HAS_STORE {
            attr.__bindgen_anon_2.store = Some(Self::store);
        }
        // INVARIANT: Built as described above.
        Self {
            attr: Opaque::new(attr),
            _o: PhantomData,
        }
    }

    /// Returns the C `struct attribute` inside, for an attribute list.
    pub const fn as_raw(&'static self) -> *mut bindings::attribute {
        // `attr` is the first member of `struct device_attribute`.
        self.attr.get().cast()
    }

    /// # Safety
    ///
    /// Called by sysfs with `buf` pointing to a writable page.
    unsafe extern "C" fn show(
        _dev: *mut bindings::device,
        _attr: *mut bindings::device_attribute,
        buf: *mut c_char,
    ) -> isize {
        // SAFETY: By the function's safety requirements `buf` is a page.
        let page = unsafe { &mut *buf.cast::<[u8; PAGE_SIZE]>() };
        match O::show(page) {
            Ok(len) => len.min(PAGE_SIZE) as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// Called by sysfs with `buf` readable for `count` bytes.
    unsafe extern "C" fn store(
        _dev: *mut bindings::device,
        _attr: *mut bindings::device_attribute,
        buf: *const c_char,
        count: usize,
    ) -> isize {
        // SAFETY: By the function's safety requirements `buf` is readable
        // for `count` bytes.
        let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) };
        match O::store(input) {
            Ok(()) => count as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}

/// A null-terminated list of `N - 1` attributes and the group naming them.
///
/// Build it with [`AttributeGroup::new`] from [`Attribute::as_raw`] pointers
/// followed by a null pointer, in a `static`.
///
/// # Invariants
///
/// `attrs` holds pointers to static attributes and ends with a null pointer.
pub struct AttributeGroup<const N: usize> {
    attrs: [*mut bindings::attribute; N],
    name: &'static CStr,
}

// SAFETY: The group is immutable and points only to immutable statics.
unsafe impl<const N: usize> Sync for AttributeGroup<N> {}

impl<const N: usize> AttributeGroup<N> {
    /// Creates a group called `name` (the directory) with `attrs`, whose last
    /// element must be null.
    pub const fn new(name: &'static CStr, attrs: [*mut bindings::attribute; N]) -> Self {
        build_assert!(N > 0);
        build_assert!(attrs[N - 1].is_null());
        // INVARIANT: Terminated as just asserted; the pointers come from
        // `Attribute::as_raw`, which needs `&'static` attributes.
        Self { attrs, name }
    }
}

/// A group of attributes created in `/sys/devices/system/cpu/`; removed on
/// drop.
///
/// # Invariants
///
/// `group` is created under the CPU subsystem's root device until `drop`.
#[pin_data(PinnedDrop)]
pub struct CpuSubsysGroup<const N: usize> {
    #[pin]
    group: Opaque<bindings::attribute_group>,
}

// SAFETY: `sysfs_remove_group` may be called from any thread.
unsafe impl<const N: usize> Send for CpuSubsysGroup<N> {}
// SAFETY: Nothing is reachable through a shared reference.
unsafe impl<const N: usize> Sync for CpuSubsysGroup<N> {}

fn with_cpu_root<R>(f: impl FnOnce(*mut bindings::kobject) -> R) -> Result<R> {
    // SAFETY: `cpu_subsys` is a static bus; the returned device, if any,
    // carries a reference that is dropped below.
    let dev = unsafe { bindings::bus_get_dev_root(&raw const bindings::cpu_subsys) };
    if dev.is_null() {
        return Err(ENODEV);
    }
    // SAFETY: `dev` is a valid device while we hold the reference.
    let r = f(unsafe { &raw mut (*dev).kobj });
    // SAFETY: Drops the reference `bus_get_dev_root` took.
    unsafe { bindings::put_device(dev) };
    Ok(r)
}

impl<const N: usize> CpuSubsysGroup<N> {
    /// Creates `group`'s directory and files in `/sys/devices/system/cpu/`.
    pub fn new(group: &'static AttributeGroup<N>) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            group <- Opaque::try_ffi_init(move |slot: *mut bindings::attribute_group| {
                let mut g: bindings::attribute_group = pin_init::zeroed();
                g.name = group.name.as_char_ptr();
                g.__bindgen_anon_2.attrs = group.attrs.as_ptr().cast_mut();
                // SAFETY: `slot` is valid for writes.
                unsafe { slot.write(g) };
                // INVARIANT: Created here on success.
                with_cpu_root(|kobj| {
                    // SAFETY: `slot` is a valid group whose attribute list is
                    // a null-terminated array of static attributes (the
                    // `AttributeGroup` invariant); it is pinned and removed in
                    // `PinnedDrop` before its memory goes away.
                    crate::error::to_result(unsafe { bindings::sysfs_create_group(kobj, slot) })
                })?
            }),
        })
    }
}

#[pinned_drop]
impl<const N: usize> PinnedDrop for CpuSubsysGroup<N> {
    fn drop(self: Pin<&mut Self>) {
        let group = self.group.get();
        let _ = with_cpu_root(|kobj| {
            // SAFETY: By the type invariant the group exists under the root.
            unsafe { bindings::sysfs_remove_group(kobj, group) }
        });
    }
}
