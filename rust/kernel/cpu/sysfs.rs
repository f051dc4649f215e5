// SPDX-License-Identifier: GPL-2.0

//! Attribute groups in the CPU subsystem's root directory,
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
/// `raw` has a static name and the callbacks of this type; `store` is set
/// only if `O` implements it.
#[repr(transparent)]
pub struct Attribute<const ID: u64, O> {
    raw: RawAttribute,
    _o: PhantomData<fn() -> O>,
}

/// An [`Attribute`] with its operations type erased, as an
/// [`AttributeGroup`] lists it.
///
/// # Invariants
///
/// It is the `device_attribute` of an [`Attribute`], so its callbacks take
/// the `device_attribute` they are called for to be one of these.
#[repr(transparent)]
pub struct RawAttribute(Opaque<bindings::device_attribute>);

// SAFETY: The attribute is immutable after construction; sysfs only reads it.
unsafe impl Sync for RawAttribute {}
// SAFETY: As above, nothing in it is tied to a thread.
unsafe impl Send for RawAttribute {}

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
            raw: RawAttribute(Opaque::new(attr)),
            _o: PhantomData,
        }
    }

    /// Returns the attribute without its type, to list it in a group.
    pub const fn raw(&self) -> &RawAttribute {
        &self.raw
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

/// A named group of static attributes: a directory and its files.
///
/// The list is what sysfs takes, a null-terminated array of attributes:
/// `Option<&RawAttribute>` has the layout of a nullable pointer, and a
/// `RawAttribute` is a `device_attribute`, which starts with its `struct
/// attribute`. Only `&'static` attributes can be listed, so the group can
/// never point to one that is gone. Declare one with [`cpu_root_group!`](crate::cpu_root_group).
///
/// # Invariants
///
/// The last of the `N` elements of `attrs` is `None`.
pub struct AttributeGroup<const N: usize> {
    attrs: [Option<&'static RawAttribute>; N],
    name: &'static CStr,
}

impl<const N: usize> AttributeGroup<N> {
    /// Creates a group called `name` (the directory) with `attrs`, whose last
    /// element must be `None` (checked at build time).
    pub const fn new(name: &'static CStr, attrs: [Option<&'static RawAttribute>; N]) -> Self {
        build_assert!(N > 0);
        build_assert!(attrs[N - 1].is_none());
        // INVARIANT: Terminated as just asserted.
        Self { attrs, name }
    }
}

/// Declares a `static` [`AttributeGroup`] for `/sys/devices/system/cpu/`.
///
/// # Examples
///
/// ```
/// use kernel::cpu::sysfs::{Attribute, AttributeOperations, RootGroup};
/// use kernel::page::PAGE_SIZE;
///
/// struct Answer;
///
/// #[vtable]
/// impl AttributeOperations for Answer {
///     fn show(page: &mut [u8; PAGE_SIZE]) -> Result<usize> {
///         page[..3].copy_from_slice(b"42\n");
///         Ok(3)
///     }
/// }
///
/// static ANSWER: Attribute<0, Answer> = Attribute::new(c"answer", 0o444);
/// kernel::cpu_root_group!(static GROUP = c"rust-doctest", [ANSWER]);
///
/// // Creates /sys/devices/system/cpu/rust-doctest/answer, removed on drop.
/// let dir = KBox::pin_init(RootGroup::new(&GROUP), GFP_KERNEL)?;
/// drop(dir);
/// # Ok::<(), Error>(())
/// ```
#[macro_export]
macro_rules! cpu_root_group {
    ($(#[$meta:meta])* $vis:vis static $group:ident = $name:expr, [$($attr:expr),+ $(,)?]) => {
        $(#[$meta])*
        $vis static $group: $crate::cpu::sysfs::AttributeGroup<
            { [$(::core::stringify!($attr)),+].len() + 1 },
        > = $crate::cpu::sysfs::AttributeGroup::new($name, [$(Some($attr.raw()),)+ None]);
    };
}

/// A group of attributes created in `/sys/devices/system/cpu/`; removed on
/// drop.
///
/// # Invariants
///
/// `group` is created under the CPU subsystem's root device until `drop`.
#[pin_data(PinnedDrop)]
pub struct RootGroup<const N: usize> {
    #[pin]
    group: Opaque<bindings::attribute_group>,
}

// SAFETY: `sysfs_remove_group` may be called from any thread.
unsafe impl<const N: usize> Send for RootGroup<N> {}
// SAFETY: Nothing is reachable through a shared reference.
unsafe impl<const N: usize> Sync for RootGroup<N> {}

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

impl<const N: usize> RootGroup<N> {
    /// Creates `group`'s directory and files in `/sys/devices/system/cpu/`.
    pub fn new(group: &'static AttributeGroup<N>) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            group <- Opaque::try_ffi_init(move |slot: *mut bindings::attribute_group| {
                let mut g: bindings::attribute_group = pin_init::zeroed();
                g.name = group.name.as_char_ptr();
                // The layout of `attrs` is that of a null-terminated array
                // of `struct attribute` pointers (see `AttributeGroup`);
                // sysfs does not write through it.
                g.__bindgen_anon_2.attrs = group
                    .attrs
                    .as_ptr()
                    .cast::<*mut bindings::attribute>()
                    .cast_mut();
                // SAFETY: `slot` is valid for writes.
                unsafe { slot.write(g) };
                // INVARIANT: Created here on success.
                with_cpu_root(|kobj| {
                    // SAFETY: `slot` is a valid group whose attribute list is
                    // a null-terminated array of `&'static` attributes (the
                    // `AttributeGroup` invariant); it is pinned and removed
                    // in `PinnedDrop` before its memory goes away.
                    crate::error::to_result(unsafe { bindings::sysfs_create_group(kobj, slot) })
                })?
            }),
        })
    }
}

#[pinned_drop]
impl<const N: usize> PinnedDrop for RootGroup<N> {
    fn drop(self: Pin<&mut Self>) {
        let group = self.group.get();
        let _ = with_cpu_root(|kobj| {
            // SAFETY: By the type invariant the group exists under the root.
            unsafe { bindings::sysfs_remove_group(kobj, group) }
        });
    }
}
