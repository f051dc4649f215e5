// SPDX-License-Identifier: GPL-2.0

//! What CPUID says about Key Locker, as user space sees it.
//!
//! - CPUID.(EAX=7,ECX=0):ECX[23] (KL): the CPU implements Key Locker.
//! - CPUID.19H, valid only when KL is set:
//!   - EAX[0]: the CPL0-only handle restriction is supported;
//!   - EAX[1]: the no-encrypt handle restriction is supported;
//!   - EAX[2]: the no-decrypt handle restriction is supported;
//!   - EBX[0] (AESKLE): the AES Key Locker instructions are enabled; it
//!     reads 0 while the kernel has not set CR4.KL;
//!   - EBX[2]: the wide instructions (AESENCWIDE*KL, AESDECWIDE*KL) exist;
//!   - EBX[4]: IWKey backup (IA32_COPY_LOCAL_TO_PLATFORM and friends);
//!   - ECX[0]: LOADIWKEY accepts NoBackup; ECX[1]: KeySource 1 (random).

use core::arch::x86_64::__cpuid_count;

const KL_LEAF: u32 = 0x19;

/// The Key Locker CPUID bits, read once at start-up.
#[derive(Clone, Copy, Debug)]
pub struct KlCpuid {
    /// Highest basic CPUID leaf.
    pub max_leaf: u32,
    /// CPUID.(7,0):ECX[23].
    pub kl: bool,
    /// CPUID.19H, if the CPU has Key Locker and the leaf exists.
    pub leaf19: Option<Leaf19>,
}

/// The raw CPUID.19H registers (EDX is reserved).
#[derive(Clone, Copy, Debug)]
pub struct Leaf19 {
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
}

const fn bit(reg: u32, n: u32) -> bool {
    reg & (1 << n) != 0
}

impl Leaf19 {
    /// EBX[0]: the AES Key Locker instructions are enabled (CR4.KL set).
    pub fn aeskle(&self) -> bool {
        bit(self.ebx, 0)
    }

    /// EBX[2]: the wide instructions are supported.
    pub fn wide(&self) -> bool {
        bit(self.ebx, 2)
    }

    /// EAX[0]: handles can be restricted to CPL0.
    pub fn restrict_cpl0(&self) -> bool {
        bit(self.eax, 0)
    }

    /// EAX[1]: handles can be restricted to not encrypt.
    pub fn restrict_no_encrypt(&self) -> bool {
        bit(self.eax, 1)
    }

    /// EAX[2]: handles can be restricted to not decrypt.
    pub fn restrict_no_decrypt(&self) -> bool {
        bit(self.eax, 2)
    }
}

impl std::fmt::Display for Leaf19 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cpuid.19h eax={:#x} ebx={:#x} ecx={:#x}",
            self.eax, self.ebx, self.ecx
        )
    }
}

impl KlCpuid {
    /// Reads the bits from the CPU this thread runs on.
    pub fn read() -> Self {
        let max_leaf = __cpuid_count(0, 0).eax;
        let kl = max_leaf >= 7 && bit(__cpuid_count(7, 0).ecx, 23);
        // Past the highest basic leaf CPUID returns that leaf's data
        // instead, so look at 19H only when it exists.
        let leaf19 = (kl && max_leaf >= KL_LEAF).then(|| {
            let r = __cpuid_count(KL_LEAF, 0);
            Leaf19 {
                eax: r.eax,
                ebx: r.ebx,
                ecx: r.ecx,
            }
        });
        KlCpuid {
            max_leaf,
            kl,
            leaf19,
        }
    }

    /// CPUID.19H if the AES Key Locker instructions are usable at this
    /// moment, or why they are not.
    pub fn usable(&self) -> Result<Leaf19, String> {
        if !self.kl {
            return Err("CPUID.7.0:ECX[23]=0: the CPU has no Key Locker".into());
        }
        let Some(leaf) = self.leaf19 else {
            return Err(format!(
                "CPUID max basic leaf {:#x} < 0x19 although CPUID.7.0:ECX[23]=1",
                self.max_leaf
            ));
        };
        if !leaf.aeskle() {
            return Err(format!(
                "CPUID.19H:EBX[0]=0: AESKLE clear, CR4.KL not set by the kernel ({leaf})"
            ));
        }
        Ok(leaf)
    }
}
