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
//! CPUs may differ. A mode is chosen only if every online CPU offers what
//! it needs, the optional features published for the AES-KL users are the
//! ones every CPU offers, and a CPU that comes online without them (without
//! Key Locker at all, with AESKLE=0, without the backup a restoring mode
//! uses, the wide instructions or the CPL0-only restriction in use) loses
//! the key before it runs anything. A CPU without Key Locker keeps CR4.KL
//! clear, where it is reserved.
//!
//! CR4.KL, once set while a mode is active, stays set on every CPU for the
//! rest of the boot: handles may exist, and their users rely on the Key
//! Locker instructions failing cleanly (ZF=1) rather than faulting (#UD).
//!
//! A selection that fails after it loaded a key leaves that key nowhere: in
//! the native modes every online CPU, and the platform backup if the mode
//! wrote it, gets a random throwaway key that the kernel forgets at once.
//! A failed first selection then clears CR4.KL again; a failed selection
//! while the key is lost leaves it set, and the state lost. In the paravirt
//! modes the host owns the key and the guest never runs LOADIWKEY.
//!
//! The policy is locked in STARTING callbacks and syscore resume, with
//! interrupts off, so its lock is a raw spinlock, on PREEMPT_RT too: held
//! briefly, and nothing is allocated, freed or drawn from the kernel's
//! random generator under it or in an FPU section.

use crate::{
    canary::{
        Canary,
        CanaryKey, //
    },
    caps::{
        self,
        Caps, //
    },
    iwkey::{self, KeySource, KlCpu, WrappingKey},
    mode::Mode,
    paravirt,
};
use kernel::{
    cpu::CpuId,
    cpuhp::CpusReadGuard,
    prelude::*,
    random,
    x86::{
        fpu::KernelFpu,
        keylocker::{
            Enabled,
            Features,
            Generation,
            State,
            WrappingKeyInfo, //
        },
    },
};

/// How often LOADIWKEY with a hardware key source is retried when the
/// random source does not deliver (the SDM allows retrying).
const RANDOM_RETRIES: usize = 10;

/// The core's state between transitions.
pub(crate) struct Policy {
    mode: Option<Mode>,
    /// The optional features every CPU offered when the mode was chosen.
    features: Features,
    generation: u64,
    lost: bool,
    canary: Option<Canary>,
    /// The wrapping key, kept for the boot only in `kernel_key_remember`.
    remembered: Option<KBox<WrappingKey>>,
}

impl Policy {
    const fn new() -> Self {
        Self {
            mode: None,
            features: Features {
                wide: false,
                cpl0_only: false,
            },
            generation: 0,
            lost: false,
            canary: None,
            remembered: None,
        }
    }
}

kernel::sync::global_lock! {
    // SAFETY: Initialised by `init` in the core's initcall before any use.
    unsafe(uninit) static POLICY: RawSpinLock<Policy> = Policy::new();
}

kernel::sync::global_lock! {
    // SAFETY: Initialised by `init` in the core's initcall before any use.
    unsafe(uninit) static WRITERS: Mutex<()> = ();
}

/// Sets up the policy.
///
/// # Safety
///
/// Must be called exactly once, before any other function of this module.
pub(crate) unsafe fn init() {
    // SAFETY: The caller guarantees a single call before any use.
    unsafe {
        POLICY.init();
        WRITERS.init();
    }
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
    /// The CPU does not hold the key the canary was made under, or ENCODEKEY
    /// reports it differently than on the first CPU.
    Canary(&'static str),
    /// ENCODEKEY on the first CPU reports a key other than the mode loads
    /// or was promised.
    Source(&'static str),
    /// The platform backup did not become valid.
    Backup(&'static str),
}

impl CpuError {
    fn log(&self, mode: Mode, cpu: CpuId) -> Error {
        let n = cpu.as_u32();
        match self {
            CpuError::DisabledByFirmware => {
                pr_err!(
                    "{}: CPU {}: Key Locker disabled by firmware (AESKLE=0)\n",
                    mode.name(),
                    n
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
            CpuError::Canary(why) => {
                pr_err!("{}: CPU {}: {}\n", mode.name(), n, why);
                EIO
            }
            CpuError::Backup(why) => {
                pr_err!("{}: CPU {}: IWKey backup failed: {}\n", mode.name(), n, why);
                EIO
            }
            CpuError::Source(why) => {
                pr_err!("{}: CPU {}: {}\n", mode.name(), n, why);
                // A host that does not deliver what it answered cannot
                // offer the mode; a CPU that does not load what we gave it
                // is broken.
                if mode.is_paravirt() {
                    EOPNOTSUPP
                } else {
                    EIO
                }
            }
        }
    }
}

/// What a CPU does while a mode is being chosen.
enum Role<'a> {
    /// The first CPU: it creates (or receives) the key and makes the canary
    /// from this key, drawn before its FPU section.
    First(CanaryKey),
    /// Every other CPU: it gets the same key and checks the canary.
    Other(&'a Canary),
}

fn step(what: &'static str, r: Result) -> Result<(), CpuError> {
    r.map_err(|e| CpuError::Step(what, e))
}

/// Loads the key into this CPU as `mode` prescribes for `role`.
fn install(
    cpu: &KlCpu<'_>,
    mode: Mode,
    role: &Role<'_>,
    all: &Caps,
    key: Option<&WrappingKey>,
) -> Result<(), CpuError> {
    let key = || key.ok_or(CpuError::Step("key setup", EINVAL));
    match (mode, role) {
        (Mode::NativeRandomKey, Role::First(_)) => {
            let mut r = Err(EAGAIN);
            for _ in 0..RANDOM_RETRIES {
                r = cpu.load(key()?, KeySource::Hardware, false);
                if r != Err(EAGAIN) {
                    break;
                }
            }
            step("LOADIWKEY (hardware random)", r)?;
            step("IWKey backup", cpu.start_backup())
        }
        (Mode::KernelKeyBackup, Role::First(_)) => {
            step("LOADIWKEY", cpu.load(key()?, KeySource::Software, false))?;
            step("IWKey backup", cpu.start_backup())
        }
        (Mode::NativeRandomKey | Mode::KernelKeyBackup, Role::Other(_)) => {
            step("IWKey restore", cpu.restore())
        }
        (Mode::KernelKeyRemember, _) => {
            step("LOADIWKEY", cpu.load(key()?, KeySource::Software, false))
        }
        (Mode::Norestore, _) => step(
            "LOADIWKEY",
            cpu.load(key()?, KeySource::Software, all.nobackup),
        ),
        (Mode::ParavirtAny | Mode::ParavirtRandom, _) => Ok(()),
    }
}

/// Brings the CPU this runs on into `mode`: CR4.KL, the key, the canary.
///
/// `all` is what every online CPU offers, this one included. The first CPU
/// makes the canary and, in the modes that restore, waits for the backup
/// it started (sleeping, after its FPU section) before the others restore.
fn bring_up(
    mode: Mode,
    role: Role<'_>,
    all: &Caps,
    key: Option<&WrappingKey>,
    generation: Generation,
) -> Result<Option<Canary>, CpuError> {
    let first = matches!(role, Role::First(_));
    let made = {
        let fpu = KernelFpu::begin().ok_or(CpuError::NoFpu)?;
        let cpu = iwkey::enable_this_cpu(&fpu).map_err(|e| CpuError::Step("CR4.KL", e))?;
        if !caps::aeskle() {
            return Err(CpuError::DisabledByFirmware);
        }
        install(&cpu, mode, &role, all, key)?;
        match role {
            Role::Other(c) => c.check(&cpu).map(|()| None).map_err(CpuError::Canary)?,
            Role::First(k) => {
                let c = Canary::new(&cpu, k, generation, all.features)
                    .map_err(|e| CpuError::Step("canary setup", e))?;
                expected_key(mode, all.nobackup, c.wrapping_key()).map_err(CpuError::Source)?;
                Some(c)
            }
        }
    };
    if first && mode.restores_from_backup() {
        iwkey::wait_for_backup().map_err(CpuError::Backup)?;
    }
    Ok(made)
}

/// Checks what ENCODEKEY reports about the first CPU's key against what
/// `mode` loaded (`nobackup`: with NoBackup) or was promised.
fn expected_key(mode: Mode, nobackup: bool, key: WrappingKeyInfo) -> Result<(), &'static str> {
    let (random, no_backup) = match mode {
        Mode::NativeRandomKey => (Some(true), Some(false)),
        Mode::KernelKeyRemember | Mode::KernelKeyBackup => (Some(false), Some(false)),
        Mode::Norestore => (Some(false), Some(nobackup)),
        Mode::ParavirtRandom => (Some(true), None),
        Mode::ParavirtAny => (None, None),
    };
    if random.is_some_and(|r| r != key.hardware_random) {
        Err(if key.hardware_random {
            "the key is hardware-random (KeySource=1), not the one loaded"
        } else {
            "the key is not hardware-random (KeySource=0)"
        })
    } else if no_backup.is_some_and(|b| b != key.no_backup) {
        Err("the key's NoBackup is not as loaded")
    } else {
        Ok(())
    }
}

/// Chooses `mode` (a write to `mode`, or `keylocker.mode=`).
///
/// Writing the active mode again does nothing. After the key was lost, any
/// mode may be chosen and starts a new generation. On failure the system is
/// left exactly as it was.
pub(crate) fn select(mode: Mode) -> Result {
    let _writer = WRITERS.lock();
    let (active, lost, generation) = {
        let p = POLICY.lock();
        (p.mode, p.lost, p.generation)
    };
    match active {
        Some(m) if !lost && m == mode => return Ok(()),
        Some(m) if !lost => {
            pr_err!("{}: {} is already active\n", mode.name(), m.name());
            return Err(EBUSY);
        }
        _ => {}
    }
    caps::check_vulnerabilities(mode)?;
    if mode.kernel_makes_key() && !random::is_seeded() {
        pr_info!(
            "{}: waiting until the kernel's random generator is seeded\n",
            mode.name()
        );
        random::wait_until_seeded()?;
    }
    let cpus = CpusReadGuard::lock();
    let all = probe_all(&cpus, mode)?;
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
    let result = bring_up_all(&cpus, mode, &all, key.as_deref(), generation);
    match result {
        Ok(canary) => {
            // SAFETY: `bring_up_all` set CR4.KL on every online CPU, each of
            // which offers `all.features` (`probe_all`). Hotplug is held off
            // until the STARTING callback can see the new mode and
            // features, and it ends the generation on a CPU that lacks
            // them; CR4.KL is never cleared once a mode is active.
            let enabled = unsafe { Enabled::new_unchecked(generation, all.features) };
            let mut remembered = if mode == Mode::KernelKeyRemember {
                key
            } else {
                None
            };
            {
                let mut p = POLICY.lock();
                p.mode = Some(mode);
                p.features = all.features;
                p.generation = generation.as_u64();
                p.lost = false;
                p.canary = Some(canary);
                // The old key, if any, is freed after the lock is dropped.
                core::mem::swap(&mut p.remembered, &mut remembered);
                // SAFETY: Every online CPU has CR4.KL and the key of
                // `generation` (`bring_up_all`, checked by the canary on
                // each), and the STARTING callback gives them to every CPU
                // that comes online, or ends the generation.
                unsafe { iwkey::publish(State::Active(enabled)) };
            }
            drop(remembered);
            pr_info!(
                "{}: active on all CPUs (generation {})\n",
                mode.name(),
                generation.as_u64()
            );
            Ok(())
        }
        Err(e) => {
            undo_all(&cpus, mode, active.is_some());
            Err(e)
        }
    }
}

/// Reads what every online CPU offers; `EOPNOTSUPP` (logged, naming the
/// CPU) if one of them lacks what `mode` needs. Returns what all offer.
fn probe_all(cpus: &CpusReadGuard, mode: Mode) -> Result<Caps> {
    let mut all: Option<Caps> = None;
    for cpu in cpus.online_cpus() {
        let caps = cpus.call_on(cpu, |_| Caps::this_cpu())?;
        if let Some(why) = caps.lacks_for(mode) {
            pr_err!(
                "{}: not supported on this machine: CPU {}: {}\n",
                mode.name(),
                cpu.as_u32(),
                why
            );
            return Err(EOPNOTSUPP);
        }
        all = Some(all.map_or(caps, |a| a.both(caps)));
    }
    all.ok_or(EIO)
}

/// Brings every online CPU into `mode`; returns the canary.
fn bring_up_all(
    cpus: &CpusReadGuard,
    mode: Mode,
    all: &Caps,
    key: Option<&WrappingKey>,
    generation: Generation,
) -> Result<Canary> {
    let mut canary: Option<Canary> = None;
    for cpu in cpus.online_cpus() {
        let role = match canary.as_ref() {
            None => Role::First(CanaryKey::random()),
            Some(c) => Role::Other(c),
        };
        let made = cpus
            .call_on(cpu, move |_| bring_up(mode, role, all, key, generation))?
            .map_err(|e| e.log(mode, cpu))?;
        if made.is_some() {
            canary = made;
        }
    }
    canary.ok_or(EIO)
}

/// Undoes a failed selection of `mode` on every online CPU.
///
/// In the native modes each CPU gets a random throwaway key, and so does
/// the platform backup if `mode` wrote it: the key of the failed selection
/// stays nowhere. CR4.KL is cleared after a failed first selection and
/// kept set if the key was `lost` before (handles exist, and must fail
/// with ZF=1). In the paravirt modes the host owns the key: the guest never
/// runs LOADIWKEY, not even to overwrite it.
fn undo_all(cpus: &CpusReadGuard, mode: Mode, was_lost: bool) {
    let mut backup = mode.restores_from_backup();
    for cpu in cpus.online_cpus() {
        let this_backs_up = core::mem::take(&mut backup);
        let undone = cpus.call_on(cpu, |_| {
            let mut throwaway = WrappingKey::zeroed();
            if !mode.is_paravirt() {
                throwaway.fill_random();
            }
            let fpu = KernelFpu::begin().ok_or("FPU not usable")?;
            let Ok(kl) = iwkey::enable_this_cpu(&fpu) else {
                // No Key Locker on this CPU: it holds no key to undo.
                return Ok(());
            };
            let overwritten = if mode.is_paravirt() {
                Ok(())
            } else {
                overwrite(&kl, &throwaway, this_backs_up)
            };
            if !was_lost {
                // SAFETY: The state is `Disabled`: no mode was active
                // (not even a lost one), a failed selection publishes
                // nothing, and only a selection publishes `Active`, after
                // setting CR4.KL on every CPU; selections are serialised by
                // `WRITERS`, which our caller holds.
                unsafe { kl.disable() };
            }
            drop(fpu);
            overwritten?;
            if this_backs_up {
                iwkey::wait_for_backup()?;
            }
            Ok(())
        });
        if let Err(why) = undone.unwrap_or(Err("not reached")) {
            pr_err!(
                "{}: CPU {}: undoing the failed selection: {}\n",
                mode.name(),
                cpu.as_u32(),
                why
            );
        }
    }
}

/// Loads `throwaway` into the CPU `kl`, and starts backing it up if
/// `backup`.
fn overwrite(kl: &KlCpu<'_>, throwaway: &WrappingKey, backup: bool) -> Result<(), &'static str> {
    kl.load(throwaway, KeySource::Software, false)
        .map_err(|_| "LOADIWKEY failed")?;
    if backup {
        kl.start_backup().map_err(|_| "backup failed")?;
    }
    Ok(())
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
    let this = Caps::this_cpu();
    if !this.keylocker {
        // CR4.KL is reserved here: it stays clear, and with the key lost
        // no AES-KL request runs a Key Locker instruction on this CPU.
        mark_lost(&mut p, cpu, event, "no Key Locker on this CPU");
        return;
    }
    let Some(fpu) = KernelFpu::begin() else {
        // The instructions must still fail cleanly rather than fault; this
        // CPU has Key Locker (checked above), so CR4.KL can be set.
        let _ = iwkey::set_cr4_this_cpu();
        mark_lost(&mut p, cpu, event, "FPU not usable");
        return;
    };
    let verdict = match iwkey::enable_this_cpu(&fpu) {
        Ok(_) if p.lost => return,
        Ok(kl) => rejoin(&kl, mode, &this, &p),
        Err(_) => Err("no Key Locker on this CPU"),
    };
    drop(fpu);
    if let Err(why) = verdict {
        mark_lost(&mut p, cpu, event, why);
    }
}

/// Gives the CPU `kl` the key of `mode` again and checks it with the
/// canary; says why not if it cannot. Nothing runs that this CPU lacks.
fn rejoin(kl: &KlCpu<'_>, mode: Mode, this: &Caps, p: &Policy) -> Result<(), &'static str> {
    if let Some(why) = this.lacks_to_run(mode, p.features) {
        return Err(why);
    }
    if !caps::aeskle() {
        return Err("Key Locker disabled by firmware (AESKLE=0)");
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
    loaded?;
    p.canary.as_ref().ok_or("no canary")?.check(kl)
}

fn mark_lost(p: &mut Policy, cpu: CpuId, event: &str, why: &str) {
    if p.lost {
        return;
    }
    p.lost = true;
    // SAFETY: `Lost` promises nothing about the CPUs.
    unsafe { iwkey::publish(State::Lost(Generation::new(p.generation))) };
    pr_err!(
        "wrapping key lost: CPU {} after {}: {}; AES-KL users fail until a mode is chosen again\n",
        cpu.as_u32(),
        event,
        why
    );
}
