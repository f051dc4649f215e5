// SPDX-License-Identifier: GPL-2.0

//! The six keying modes and how their names are read and written.

use kernel::prelude::*;

/// How the wrapping key is made and kept; see
/// Documentation/arch/x86/keylocker.rst for each mode's story.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The CPU's RNG makes the key (KeySource=1); CPUs share it through the
    /// platform backup.
    NativeRandomKey,
    /// The kernel makes the key and keeps it for the whole boot.
    KernelKeyRemember,
    /// The kernel makes the key, backs it up and wipes its copy.
    KernelKeyBackup,
    /// The kernel makes the key, loads it everywhere once and wipes it; any
    /// CPU that loses it loses it for good.
    Norestore,
    /// The hypervisor loads a key of its choosing.
    ParavirtAny,
    /// The hypervisor loads a hardware-random key it cannot read.
    ParavirtRandom,
}

impl Mode {
    /// Every mode, in the order `mode` lists them.
    pub(crate) const ALL: [Mode; 6] = [
        Mode::NativeRandomKey,
        Mode::KernelKeyRemember,
        Mode::KernelKeyBackup,
        Mode::Norestore,
        Mode::ParavirtAny,
        Mode::ParavirtRandom,
    ];

    /// The name used in sysfs and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::NativeRandomKey => "native_random_key",
            Mode::KernelKeyRemember => "kernel_key_remember",
            Mode::KernelKeyBackup => "kernel_key_backup",
            Mode::Norestore => "norestore",
            Mode::ParavirtAny => "paravirt_any",
            Mode::ParavirtRandom => "paravirt_random",
        }
    }

    /// Parses a write: exactly one mode name, optionally followed by one
    /// newline. Anything else (empty, unknown, other case, spaces, NULs,
    /// overlong) is `EINVAL`.
    pub(crate) fn parse(input: &[u8]) -> Result<Mode> {
        let name = input.strip_suffix(b"\n").unwrap_or(input);
        Mode::ALL
            .into_iter()
            .find(|m| m.name().as_bytes() == name)
            .ok_or(EINVAL)
    }

    /// Whether the hypervisor, not this kernel, loads the key.
    pub(crate) fn is_paravirt(self) -> bool {
        matches!(self, Mode::ParavirtAny | Mode::ParavirtRandom)
    }

    /// Whether the kernel makes the wrapping key from its CRNG (in the
    /// other modes the CPU's or the hypervisor's random source makes it).
    pub(crate) fn kernel_makes_key(self) -> bool {
        matches!(
            self,
            Mode::KernelKeyRemember | Mode::KernelKeyBackup | Mode::Norestore
        )
    }

    /// Whether CPUs other than the first get the key from the platform
    /// backup.
    pub(crate) fn restores_from_backup(self) -> bool {
        matches!(self, Mode::NativeRandomKey | Mode::KernelKeyBackup)
    }
}

/// Writes the `mode` file's text: `[disabled]` while no mode is active, then
/// every mode with the active one in brackets, space-separated, then a
/// newline. Returns the length.
pub(crate) fn render(page: &mut [u8], active: Option<Mode>) -> usize {
    let mut len = 0;
    let mut put = |s: &str| {
        page[len..len + s.len()].copy_from_slice(s.as_bytes());
        len += s.len();
    };
    if active.is_none() {
        put("[disabled] ");
    }
    for (i, m) in Mode::ALL.into_iter().enumerate() {
        if i > 0 {
            put(" ");
        }
        if active == Some(m) {
            put("[");
            put(m.name());
            put("]");
        } else {
            put(m.name());
        }
    }
    put("\n");
    len
}

#[kunit_tests(keylocker_mode)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_exact_names_with_optional_newline() {
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.name().as_bytes()), Ok(m));
            let mut with_nl = KVec::new();
            with_nl
                .extend_from_slice(m.name().as_bytes(), GFP_KERNEL)
                .unwrap();
            with_nl.push(b'\n', GFP_KERNEL).unwrap();
            assert_eq!(Mode::parse(&with_nl), Ok(m));
        }
    }

    #[test]
    fn parse_rejects_malformed_names() {
        let bad: [&[u8]; 9] = [
            b"",
            b"\n",
            b"native",
            b"Norestore",
            b"norestore ",
            b"norestore\n\n",
            b"nore\0store",
            b"norestore\0",
            b"disabled",
        ];
        for b in bad {
            assert_eq!(Mode::parse(b), Err(EINVAL));
        }
        assert_eq!(Mode::parse(&[b'a'; 4096]), Err(EINVAL));
    }

    #[test]
    fn render_brackets_the_active_mode_only() {
        let mut page = [0u8; 256];
        let n = render(&mut page, None);
        assert_eq!(
            &page[..n],
            concat!(
                "[disabled] native_random_key kernel_key_remember kernel_key_backup ",
                "norestore paravirt_any paravirt_random\n"
            )
            .as_bytes()
        );
        let n = render(&mut page, Some(Mode::Norestore));
        assert_eq!(
            &page[..n],
            concat!(
                "native_random_key kernel_key_remember kernel_key_backup ",
                "[norestore] paravirt_any paravirt_random\n"
            )
            .as_bytes()
        );
    }
}
