// SPDX-License-Identifier: GPL-2.0

//! Intel Key Locker: AES with keys wrapped by a CPU-internal key.
//!
//! Key Locker turns an AES key into a *handle*: the key encrypted and
//! authenticated under the processor's internal wrapping key (IWKey), which
//! software cannot read. The AES instructions take the handle, unwrap it
//! inside the CPU and fail (ZF=1, destination unchanged) if the handle is
//! not authentic under the IWKey loaded now. A handle is useless on another
//! machine, after a reboot, or after the IWKey is lost.
//!
//! This module is the part of Key Locker that modules (the AES-KL
//! skciphers) may use: making handles, the AES instructions and the
//! block-cipher modes built on them ([`Modes`]), what a CPU
//! enumerates ([`Enumeration`]), and a read-only view of the system's Key
//! Locker [`State`]. Loading the IWKey, CR4.KL, the backup MSRs and publishing the
//! state are in [`iwkey`], which only built-in code can link against.
//!
//! Every instruction runs inside a [`KernelFpu`](crate::x86::fpu::KernelFpu)
//! section. Data moves between memory and xmm registers inside the `asm!`
//! blocks only, because the kernel is built without SSE. Every xmm register
//! that held key material is cleared before the block ends; the block-cipher
//! loops of [`Modes`] leave request data there, as the AES-NI code does.
//!
//! C header: [`arch/x86/include/asm/keylocker.h`](srctree/arch/x86/include/asm/keylocker.h)
//!
//! Reference: Documentation/arch/x86/keylocker.rst

use crate::bindings;

mod aes;
mod enumeration;
mod handle;
pub mod iwkey;
mod modes;

pub use aes::{
    Block,
    BlockIo, //
};
pub use enumeration::Enumeration;
pub use handle::{
    Handle,
    Handle128,
    Handle256,
    WrappingKeyInfo, //
};
pub use modes::{
    Direction,
    Modes,
    Ran,
    Simd, //
};

/// A Key Locker instruction found the handle illegal or not authentic.
///
/// The IWKey changed since the handle was made (the key was lost or the
/// system re-initialised), or the handle was damaged or used against its
/// restrictions. Nothing was written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HandleRejected;

/// Counts initialisations of Key Locker in this boot.
///
/// Handles made under one generation are dead in any later one: each
/// initialisation loads a fresh IWKey.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Generation(u64);

impl Generation {
    /// Returns generation `n` (the core counts initialisations from 1).
    pub const fn new(n: u64) -> Self {
        Self(n)
    }

    /// Returns the generation as a number (1 for the first initialisation).
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// Whether Key Locker is active in this generation now: whether
    /// [`state`] would return [`State::Active`] with it, without decoding
    /// the rest. A request checks this for its handle's generation inside
    /// its FPU section, before any Key Locker instruction.
    #[inline]
    pub fn is_active(self) -> bool {
        let word = state_word();
        (word & u64::from(bindings::KEYLOCKER_STATE_MASK))
            == u64::from(bindings::KEYLOCKER_STATE_ACTIVE)
            && word >> bindings::KEYLOCKER_STATE_BITS == self.0
    }
}

/// Reads the published state word (see `asm/keylocker.h`).
#[inline]
fn state_word() -> u64 {
    // SAFETY: `keylocker_state_read` reads an atomic word and has no
    // preconditions.
    unsafe { bindings::keylocker_state_read() }
}

/// The system's Key Locker state.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// No mode chosen: CR4.KL is clear and no Key Locker instruction may run.
    Disabled,
    /// Every online CPU holds the wrapping key of this generation.
    Active(Enabled),
    /// The wrapping key is gone (for instance after S3 in a mode without
    /// backup); handles of this generation no longer work anywhere. CR4.KL
    /// stays set, so instructions fail with ZF=1 rather than fault.
    Lost(Generation),
}

/// Optional Key Locker features that every CPU running a generation offers.
///
/// CPUs of one machine can differ (a hot-added CPU, a vCPU the hypervisor
/// configured differently), so what one CPU enumerates says nothing about
/// the CPU a request runs on next. The core establishes these over every
/// CPU when it chooses a mode, and declares the key lost when a CPU without
/// them comes online.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// The wide (eight-block) instructions (`CPUID.19H:EBX[2]`).
    pub wide: bool,
    /// The CPL0-only handle restriction (`CPUID.19H:EAX[0]`).
    pub cpl0_only: bool,
}

impl Features {
    /// The restrictions for handles the kernel makes: CPL0-only where every
    /// CPU supports it, so user space cannot use a leaked handle.
    pub fn restrictions(&self) -> Restrictions {
        if self.cpl0_only {
            Restrictions::CPL0_ONLY
        } else {
            Restrictions::NONE
        }
    }
}

/// Proof that Key Locker was active: while its generation stays active,
/// every CPU has CR4.KL set and offers its features.
///
/// # Invariants
///
/// [`State::Active`] was published with this generation and these
/// features. While it stays published, every CPU that runs has CR4.KL set
/// and offers `features`: [`iwkey::Control::activate`] checks every online
/// CPU before it publishes `Active`, a CPU that comes online without them
/// ends the generation (the key is published lost) before it runs
/// anything, and [`iwkey::KlCpu::disable`] refuses while `Active` is
/// published.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Enabled {
    generation: Generation,
    features: Features,
}

impl Enabled {
    /// The generation that was active when this proof was taken.
    #[inline]
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// The proof for the wide instructions, if every CPU has them.
    #[inline]
    pub fn wide(&self) -> Option<Wide> {
        // INVARIANT: By the type invariant, every CPU that runs while this
        // generation is active has the wide instructions.
        self.features.wide.then_some(Wide(()))
    }

    /// The restrictions for handles the kernel makes (see
    /// [`Features::restrictions`]).
    pub fn restrictions(&self) -> Restrictions {
        self.features.restrictions()
    }
}

/// Returns the current state.
///
/// The state can change right after this returns (a CPU may come back from
/// S3 without the key). Users therefore check it again inside the FPU
/// section that runs their instructions, and check every instruction's
/// result as well.
///
/// # Examples
///
/// ```
/// use kernel::x86::keylocker::{self, State};
///
/// match keylocker::state() {
///     State::Disabled => pr_info!("Key Locker not in use\n"),
///     State::Active(e) => pr_info!("Key Locker active, generation {}\n", e.generation().as_u64()),
///     State::Lost(g) => pr_info!("Key Locker key lost in generation {}\n", g.as_u64()),
/// }
/// ```
#[inline]
pub fn state() -> State {
    let word = state_word();
    let generation = Generation(word >> bindings::KEYLOCKER_STATE_BITS);
    let features = Features {
        wide: word & u64::from(bindings::KEYLOCKER_STATE_WIDE) != 0,
        cpl0_only: word & u64::from(bindings::KEYLOCKER_STATE_CPL0) != 0,
    };
    match (word & u64::from(bindings::KEYLOCKER_STATE_MASK)) as u32 {
        // INVARIANT: The core publishes `ACTIVE` only as described on `Enabled`.
        bindings::KEYLOCKER_STATE_ACTIVE => State::Active(Enabled {
            generation,
            features,
        }),
        bindings::KEYLOCKER_STATE_LOST => State::Lost(generation),
        _ => State::Disabled,
    }
}

impl State {
    /// The state as the word [`state`] reads (see `asm/keylocker.h`).
    ///
    /// Only the built-in core can publish a word; the encoding lives here,
    /// next to its decoding, so the two cannot drift apart.
    pub fn to_word(self) -> u64 {
        let (code, generation) = match self {
            State::Disabled => (bindings::KEYLOCKER_STATE_DISABLED, Generation(0)),
            State::Active(e) => {
                let mut code = bindings::KEYLOCKER_STATE_ACTIVE;
                if e.features.wide {
                    code |= bindings::KEYLOCKER_STATE_WIDE;
                }
                if e.features.cpl0_only {
                    code |= bindings::KEYLOCKER_STATE_CPL0;
                }
                (code, e.generation)
            }
            State::Lost(g) => (bindings::KEYLOCKER_STATE_LOST, g),
        };
        (generation.0 << bindings::KEYLOCKER_STATE_BITS) | u64::from(code)
    }
}

/// Proof that every CPU has the wide (eight-block) Key Locker instructions.
///
/// Only [`Enabled::wide`] makes one.
///
/// # Invariants
///
/// Every CPU that runs while the generation it was made for is active
/// enumerates `CPUID.19H:EBX[2]` (AESKLE wide). Users check that the
/// generation is still active inside the FPU section that runs the wide
/// instructions, as they must anyway to see a lost key.
#[derive(Copy, Clone, Debug)]
pub struct Wide(());

/// Restrictions recorded in a handle and enforced by the CPU.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Restrictions(u32);

impl Restrictions {
    /// No restriction.
    pub const NONE: Self = Self(0);
    /// The handle works only at CPL 0 (user space cannot use a leaked handle).
    pub const CPL0_ONLY: Self = Self(1 << 0);

    /// Returns whether this CPU supports every restriction in `self`.
    pub fn is_supported(self) -> bool {
        self.0 & !Enumeration::this_cpu().restrictions().0 == 0
    }

    fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    fn bits(self) -> u32 {
        self.0
    }
}
