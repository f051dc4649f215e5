// SPDX-License-Identifier: GPL-2.0

//! The keying policy: choosing a mode, bringing every CPU into it, and
//! keeping CPUs in it as they come online and the system resumes.
//!
//! A mode is chosen with CPU hotplug held off, so the set of online CPUs is
//! fixed while each one is brought into the mode by a synchronous call on
//! that CPU (in task context, so a kernel FPU section can always be
//! opened). Either every CPU ends with the key and passes the canary and
//! the new state is published, or each CPU is put back as it was and the
//! state stays what it was: there is no half-initialised system. CPUs that
//! come online later get the key in a STARTING hotplug callback, before they
//! run anything; if they cannot, the system's key is marked lost, but the
//! CPU still comes online.
//!
//! CR4.KL, once set while a mode is active, stays set on every CPU for the
//! rest of the boot: handles may exist, and their users rely on the Key
//! Locker instructions failing cleanly (ZF=1) rather than faulting (#UD).

use crate::{
    canary::Canary,
    caps::{self, Caps},
    iwkey::{self, KeySource, KlCpu, WrappingKey},
    mode::Mode,
    paravirt,
};
use kernel::{
    cpu::CpuId,
    cpuhp::CpusReadGuard,
    prelude::*,
    x86::{
        fpu::KernelFpu,
        keylocker::{Enabled, Generation, State},
    },
};

/// How often LOADIWKEY with a hardware key source is retried when the
/// random source does not deliver (the SDM allows retrying).
const RANDOM_RETRIES: usize = 10;

/// The core's state between transitions.
pub(crate) struct Policy {
    caps: Option<Caps>,
    mode: Option<Mode>,
    generation: u64,
    lost: bool,
    canary: Option<Canary>,
    /// The wrapping key, kept for the boot only in `kernel_key_remember`.
    remembered: Option<KBox<WrappingKey>>,
}

impl Policy {
    const fn new() -> Self {
        Self {
            caps: None,
            mode: None,
            generation: 0,
            lost: false,
            canary: None,
            remembered: None,
        }
    }
}

kernel::sync::global_lock! {
    // SAFETY: Initialised by `init` in the core's initcall before any use.
    unsafe(uninit) static POLICY: SpinLock<Policy> = Policy::new();
}

kernel::sync::global_lock! {
    // SAFETY: Initialised by `init` in the core's initcall before any use.
    unsafe(uninit) static WRITERS: Mutex<()> = ();
}

/// Sets up the policy for a machine with `caps`.
///
/// # Safety
///
/// Must be called exactly once, before any other function of this module.
pub(crate) unsafe fn init(caps: Caps) {
    // SAFETY: The caller guarantees a single call before any use.
    unsafe {
        POLICY.init();
        WRITERS.init();
    }
    POLICY.lock().caps = Some(caps);
}

/// The mode chosen, if any (it stays chosen when the key is lost).
pub(crate) fn current_mode() -> Option<Mode> {
    POLICY.lock().mode
}

/// Why bringing a CPU into a mode failed.
enum CpuError {
    /// CR4.KL is set but CPUID.19H:EBX.AESKLE reads 0.
    DisabledByFirmware,
    /// No FPU section could be opened (not expected in these contexts).
    NoFpu,
    /// A Key Locker step failed with this error.
    Step(&'static str, Error),
    /// The CPU does not hold the key the canary was made under.
    Canary,
}

impl CpuError {
    fn log(&self, mode: Mode, cpu: CpuId) -> Error {
        let n = cpu.as_u32();
        match self {
            CpuError::DisabledByFirmware => {
                pr_err!(
                    "{}: Key Locker disabled by firmware (AESKLE=0)\n",
                    mode.name()
                );
                EOPNOTSUPP
            }
            CpuError::NoFpu => {
                pr_err!("{}: CPU {}: FPU not usable\n", mode.name(), n);
                EIO
            }
            CpuError::Step(what, e) => {
                pr_err!("{}: CPU {}: {} failed ({:?})\n", mode.name(), n, what, e);
                *e
            }
            CpuError::Canary => {
                pr_err!("{}: CPU {}: canary check failed\n", mode.name(), n);
                EIO
            }
        }
    }
}

/// What a CPU does while a mode is being chosen.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Role {
    /// The first CPU: it creates (or receives) the key and makes the canary.
    First,
    /// Every other CPU: it gets the same key and checks the canary.
    Other,
}

fn step(what: &'static str, r: Result) -> Result<(), CpuError> {
    r.map_err(|e| CpuError::Step(what, e))
}

/// Loads the key into this CPU as `mode` prescribes for `role`.
fn install(
    cpu: &KlCpu<'_>,
    mode: Mode,
    role: Role,
    caps: &Caps,
    key: Option<&WrappingKey>,
) -> Result<(), CpuError> {
    let key = || key.ok_or(CpuError::Step("key setup", EINVAL));
    match (mode, role) {
        (Mode::NativeRandomKey, Role::First) => {
            let mut r = Err(EAGAIN);
            for _ in 0..RANDOM_RETRIES {
                r = cpu.load(key()?, KeySource::Hardware, false);
                if r != Err(EAGAIN) {
                    break;
                }
            }
            step("LOADIWKEY (hardware random)", r)?;
            step("IWKey backup", cpu.backup())
        }
        (Mode::KernelKeyBackup, Role::First) => {
            step("LOADIWKEY", cpu.load(key()?, KeySource::Software, false))?;
            step("IWKey backup", cpu.backup())
        }
        (Mode::NativeRandomKey | Mode::KernelKeyBackup, Role::Other) => {
            step("IWKey restore", cpu.restore())
        }
        (Mode::KernelKeyRemember, _) => {
            step("LOADIWKEY", cpu.load(key()?, KeySource::Software, false))
        }
        (Mode::Norestore, _) => step(
            "LOADIWKEY",
            cpu.load(key()?, KeySource::Software, caps.nobackup),
        ),
        (Mode::ParavirtAny | Mode::ParavirtRandom, _) => Ok(()),
    }
}

/// Brings the CPU this runs on into `mode`: CR4.KL, the key, the canary.
fn bring_up(
    mode: Mode,
    role: Role,
    caps: &Caps,
    key: Option<&WrappingKey>,
    generation: Generation,
    canary: Option<&Canary>,
) -> Result<Option<Canary>, CpuError> {
    let fpu = KernelFpu::begin().ok_or(CpuError::NoFpu)?;
    let cpu = iwkey::enable_this_cpu(&fpu);
    if !caps::aeskle() {
        return Err(CpuError::DisabledByFirmware);
    }
    install(&cpu, mode, role, caps, key)?;
    match canary {
        Some(c) if c.check(&cpu) => Ok(None),
        Some(_) => Err(CpuError::Canary),
        None => Canary::new(&cpu, generation)
            .map(Some)
            .map_err(|e| CpuError::Step("canary setup", e)),
    }
}

/// Chooses `mode` (a write to `mode`, or `keylocker.mode=`).
///
/// Writing the active mode again does nothing. After the key was lost, any
/// mode may be chosen and starts a new generation. On failure the system is
/// left exactly as it was.
pub(crate) fn select(mode: Mode) -> Result {
    let _writer = WRITERS.lock();
    let (caps, active, lost, generation) = {
        let p = POLICY.lock();
        (p.caps, p.mode, p.lost, p.generation)
    };
    let caps = caps.ok_or(ENODEV)?;
    match active {
        Some(m) if !lost && m == mode => return Ok(()),
        Some(m) if !lost => {
            pr_err!("{}: {} is already active\n", mode.name(), m.name());
            return Err(EBUSY);
        }
        _ => {}
    }
    caps.check(mode)?;
    if mode.is_paravirt() {
        paravirt::request(mode)?;
    }

    let key = match mode {
        Mode::ParavirtAny | Mode::ParavirtRandom => None,
        _ => {
            let mut k = KBox::new(WrappingKey::zeroed(), GFP_KERNEL)?;
            k.fill_random();
            Some(k)
        }
    };
    let generation = Generation::new(generation + 1);
    let cpus = CpusReadGuard::lock();
    let result = bring_up_all(&cpus, mode, &caps, key.as_deref(), generation);
    match result {
        Ok(canary) => {
            // SAFETY: `bring_up_all` set CR4.KL on every online CPU, hotplug
            // is held off until the STARTING callback can see the new mode,
            // and CR4.KL is never cleared once a mode is active.
            let enabled = unsafe { Enabled::new_unchecked(generation) };
            let mut p = POLICY.lock();
            p.mode = Some(mode);
            p.generation = generation.as_u64();
            p.lost = false;
            p.canary = Some(canary);
            p.remembered = if mode == Mode::KernelKeyRemember {
                key
            } else {
                None
            };
            iwkey::publish(State::Active(enabled));
            pr_info!(
                "{}: active on all CPUs (generation {})\n",
                mode.name(),
                generation.as_u64()
            );
            Ok(())
        }
        Err(e) => {
            if active.is_none() {
                disable_all(&cpus);
            }
            Err(e)
        }
    }
}

/// Brings every online CPU into `mode`; returns the canary.
fn bring_up_all(
    cpus: &CpusReadGuard,
    mode: Mode,
    caps: &Caps,
    key: Option<&WrappingKey>,
    generation: Generation,
) -> Result<Canary> {
    let mut canary: Option<Canary> = None;
    for cpu in cpus.online_cpus() {
        let role = if canary.is_none() {
            Role::First
        } else {
            Role::Other
        };
        let c = canary.as_ref();
        let made = cpus
            .call_on(cpu, move |_| bring_up(mode, role, caps, key, generation, c))?
            .map_err(|e| e.log(mode, cpu))?;
        if made.is_some() {
            canary = made;
        }
    }
    canary.ok_or(EIO)
}

/// Undoes a failed first initialisation on every online CPU.
fn disable_all(cpus: &CpusReadGuard) {
    for cpu in cpus.online_cpus() {
        let _ = cpus.call_on(cpu, |_| {
            if let Some(fpu) = KernelFpu::begin() {
                iwkey::enable_this_cpu(&fpu).disable();
            }
        });
    }
}

/// Gives the CPU this runs on the system's key again, after it came
/// online or resumed; marks the key lost if it cannot. Never fails: the
/// machine's availability outranks AES-KL.
pub(crate) fn reenter(event: &str) {
    let mut p = POLICY.lock();
    let Some(mode) = p.mode else {
        return;
    };
    let cpu = CpuId::current();
    let Some(fpu) = KernelFpu::begin() else {
        // The instructions must still fail cleanly rather than fault.
        iwkey::set_cr4_this_cpu();
        mark_lost(&mut p, cpu, event, "FPU not usable");
        return;
    };
    let verdict = {
        let kl = iwkey::enable_this_cpu(&fpu);
        if p.lost {
            return;
        }
        let loaded = match mode {
            Mode::NativeRandomKey | Mode::KernelKeyBackup => {
                kl.restore().map_err(|_| "IWKey restore failed")
            }
            Mode::KernelKeyRemember => match p.remembered.as_deref() {
                Some(k) => kl
                    .load(k, KeySource::Software, false)
                    .map_err(|_| "LOADIWKEY failed"),
                None => Err("no key kept"),
            },
            Mode::Norestore | Mode::ParavirtAny | Mode::ParavirtRandom => Ok(()),
        };
        loaded.and_then(|()| match &p.canary {
            Some(c) if c.check(&kl) => Ok(()),
            _ => Err("the CPU does not hold the key (canary)"),
        })
    };
    drop(fpu);
    if let Err(why) = verdict {
        mark_lost(&mut p, cpu, event, why);
    }
}

fn mark_lost(p: &mut Policy, cpu: CpuId, event: &str, why: &str) {
    if p.lost {
        return;
    }
    p.lost = true;
    iwkey::publish(State::Lost(Generation::new(p.generation)));
    pr_err!(
        "wrapping key lost: CPU {} after {}: {}; AES-KL users fail until a mode is chosen again\n",
        cpu.as_u32(),
        event,
        why
    );
}
