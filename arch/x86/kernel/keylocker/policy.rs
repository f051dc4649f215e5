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
    caps,
    events::Hotplug,
    mode::Mode,
    paravirt,
};
use kernel::{
    cpu::{
        CpuId,
        CpusReadGuard, //
    },
    prelude::*,
    random,
    sync::{
        new_mutex,
        new_raw_spinlock,
        Mutex,
        RawSpinLock,
        SetOnce, //
    },
    x86::{
        fpu::KernelFpu,
        keylocker::{
            iwkey::{
                self,
                Control,
                KeySource,
                KlCpu,
                WrappingKey, //
            },
            Enumeration,
            Features,
            Generation,
            WrappingKeyInfo, //
        },
    },
};

/// How often LOADIWKEY with a hardware key source is retried when the
/// random source does not deliver (the SDM allows retrying).
const RANDOM_RETRIES: usize = 10;

/// The core's state between transitions.
enum Policy {
    /// No mode chosen yet.
    Off,
    /// Every CPU holds the key of this generation, or is brought to it as it
    /// comes online.
    Active(Keyed),
    /// The key of this generation is gone; the mode stays chosen. What the
    /// generation kept is freed by the next selection, in task context.
    Lost(Keyed),
}

/// A chosen mode and what keeps its key on the CPUs.
struct Keyed {
    mode: Mode,
    /// The optional features every CPU offered when the mode was chosen.
    features: Features,
    generation: Generation,
    canary: Canary,
    /// The wrapping key, kept for the boot only in `kernel_key_remember`.
    remembered: Option<KBox<WrappingKey>>,
}

impl Policy {
    /// The mode chosen, if any, and whether its key was lost.
    fn chosen(&self) -> Option<(Mode, bool)> {
        match self {
            Policy::Off => None,
            Policy::Active(k) => Some((k.mode, false)),
            Policy::Lost(k) => Some((k.mode, true)),
        }
    }

    /// The latest generation (0 before the first).
    fn generation(&self) -> u64 {
        match self {
            Policy::Off => 0,
            Policy::Active(k) | Policy::Lost(k) => k.generation.as_u64(),
        }
    }
}

/// The core's state and the lock that serialises selections, which holds
/// the right to publish `Active`.
#[pin_data]
struct Core {
    #[pin]
    policy: RawSpinLock<Policy>,
    #[pin]
    writers: Mutex<Control<Hotplug>>,
}

static CORE: SetOnce<Pin<KBox<Core>>> = SetOnce::new();

/// Sets up the policy, with the hotplug callback that keeps CPUs keyed;
/// `EBUSY` if it is set up already.
pub(crate) fn init() -> Result {
    let control = Control::new(c"x86/keylocker:starting")?;
    let core = KBox::pin_init(
        pin_init!(Core {
            policy <- new_raw_spinlock!(Policy::Off),
            writers <- new_mutex!(control),
        }),
        GFP_KERNEL,
    )?;
    if CORE.populate(core) {
        Ok(())
    } else {
        Err(EBUSY)
    }
}

/// The core, once [`init`] has run.
fn core() -> Option<&'static Core> {
    CORE.as_ref().map(|c| c.as_ref().get_ref())
}

/// The mode chosen, if any (it stays chosen when the key is lost).
pub(crate) fn current_mode() -> Option<Mode> {
    core()?.policy.lock().chosen().map(|(mode, _)| mode)
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
    all: &Enumeration,
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
    all: &Enumeration,
    key: Option<&WrappingKey>,
    generation: Generation,
) -> Result<Option<Canary>, CpuError> {
    let first = matches!(role, Role::First(_));
    let made = {
        let fpu = KernelFpu::begin().ok_or(CpuError::NoFpu)?;
        let cpu = KlCpu::enable(&fpu).map_err(|e| CpuError::Step("CR4.KL", e))?;
        if !Enumeration::this_cpu().aeskle {
            return Err(CpuError::DisabledByFirmware);
        }
        install(&cpu, mode, &role, all, key)?;
        match role {
            Role::Other(c) => c.check(&cpu).map(|()| None).map_err(CpuError::Canary)?,
            Role::First(k) => {
                let c = Canary::new(&cpu, k, generation, all.features.restrictions())
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
    let core = core().ok_or(ENODEV)?;
    let mut control = core.writers.lock();
    let (chosen, last) = {
        let p = core.policy.lock();
        (p.chosen(), p.generation())
    };
    match chosen {
        Some((m, false)) if m == mode => return Ok(()),
        Some((m, false)) => {
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
    let generation = Generation::new(last + 1);
    // No CPU comes online and no resume runs while `cpus` is held, so
    // nothing reads the policy between the publish and its update below.
    let brought_up =
        bring_up_all(&cpus, mode, &all, key.as_deref(), generation).and_then(|canary| {
            control.activate(&cpus, generation, all.features)?;
            Ok(canary)
        });
    let canary = match brought_up {
        Ok(canary) => canary,
        Err(e) => {
            undo_all(&cpus, mode, chosen.is_some(), &control);
            return Err(e);
        }
    };
    let keyed = Keyed {
        mode,
        features: all.features,
        generation,
        canary,
        remembered: if mode == Mode::KernelKeyRemember {
            key
        } else {
            None
        },
    };
    let old = core::mem::replace(&mut *core.policy.lock(), Policy::Active(keyed));
    // The old generation's keys are freed here, outside the raw spinlock.
    drop(old);
    pr_info!(
        "{}: active on all CPUs (generation {})\n",
        mode.name(),
        generation.as_u64()
    );
    Ok(())
}

/// Reads what every online CPU offers; `EOPNOTSUPP` (logged, naming the
/// CPU) if one of them lacks what `mode` needs. Returns what all offer.
fn probe_all(cpus: &CpusReadGuard, mode: Mode) -> Result<Enumeration> {
    let mut all: Option<Enumeration> = None;
    for cpu in cpus.online().iter() {
        let caps = cpus.call_on(cpu, |_| Enumeration::this_cpu())?;
        if let Some(why) = caps::lacks_for(&caps, mode) {
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
    all: &Enumeration,
    key: Option<&WrappingKey>,
    generation: Generation,
) -> Result<Canary> {
    let mut canary: Option<Canary> = None;
    for cpu in cpus.online().iter() {
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
fn undo_all(cpus: &CpusReadGuard, mode: Mode, was_lost: bool, control: &Control<Hotplug>) {
    let mut backup = mode.restores_from_backup();
    for cpu in cpus.online().iter() {
        let this_backs_up = core::mem::take(&mut backup);
        let undone = cpus.call_on(cpu, |_| {
            let mut throwaway = WrappingKey::zeroed();
            if !mode.is_paravirt() {
                throwaway.fill_random();
            }
            let fpu = KernelFpu::begin().ok_or("FPU not usable")?;
            let Ok(kl) = KlCpu::enable(&fpu) else {
                // No Key Locker on this CPU: it holds no key to undo.
                return Ok(());
            };
            let overwritten = if mode.is_paravirt() {
                Ok(())
            } else {
                overwrite(&kl, &throwaway, this_backs_up)
            };
            // After a failed first selection nothing was published, and no
            // handle exists: CR4.KL goes back to clear.
            let disabled = if was_lost {
                Ok(())
            } else {
                kl.disable(control)
            };
            drop(fpu);
            overwritten?;
            disabled.map_err(|_| "CR4.KL in use")?;
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
    let Some(core) = core() else {
        return;
    };
    let mut p = core.policy.lock();
    let keyed = match &*p {
        Policy::Off => return,
        Policy::Lost(_) => None,
        Policy::Active(k) => Some(k),
    };
    let cpu = CpuId::current();
    let this = Enumeration::this_cpu();
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
    let verdict = match (KlCpu::enable(&fpu), keyed) {
        (Ok(_), None) => return,
        (Ok(kl), Some(k)) => rejoin(&kl, &this, k),
        (Err(_), _) => Err("no Key Locker on this CPU"),
    };
    drop(fpu);
    if let Err(why) = verdict {
        mark_lost(&mut p, cpu, event, why);
    }
}

/// Gives the CPU `kl` the key of `k` again and checks it with the canary;
/// says why not if it cannot. Nothing runs that this CPU lacks.
fn rejoin(kl: &KlCpu<'_>, this: &Enumeration, k: &Keyed) -> Result<(), &'static str> {
    if let Some(why) = caps::lacks_to_run(this, k.mode, k.features) {
        return Err(why);
    }
    // AESKLE follows CR4.KL, which `kl` has just set: read it again.
    if !Enumeration::this_cpu().aeskle {
        return Err("Key Locker disabled by firmware (AESKLE=0)");
    }
    let loaded = match k.mode {
        Mode::NativeRandomKey | Mode::KernelKeyBackup => {
            kl.restore().map_err(|_| "IWKey restore failed")
        }
        Mode::KernelKeyRemember => match k.remembered.as_deref() {
            Some(key) => kl
                .load(key, KeySource::Software, false)
                .map_err(|_| "LOADIWKEY failed"),
            None => Err("no key kept"),
        },
        Mode::Norestore | Mode::ParavirtAny | Mode::ParavirtRandom => Ok(()),
    };
    loaded?;
    k.canary.check(kl)
}

/// Ends the active generation: the key is lost, AES-KL users fail until a
/// mode is chosen again. Nothing is freed here, with interrupts off.
fn mark_lost(p: &mut Policy, cpu: CpuId, event: &str, why: &str) {
    let Policy::Active(keyed) = p else {
        return;
    };
    iwkey::lose(keyed.generation);
    if let Policy::Active(keyed) = core::mem::replace(p, Policy::Off) {
        *p = Policy::Lost(keyed);
    }
    pr_err!(
        "wrapping key lost: CPU {} after {}: {}; AES-KL users fail until a mode is chosen again\n",
        cpu.as_u32(),
        event,
        why
    );
}
