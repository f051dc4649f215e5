// SPDX-License-Identifier: GPL-2.0

//! AES-KL: AES-ECB, -CBC, -CTR and -XTS with Intel Key Locker handles.
//!
//! The point of this driver is what it does not keep: a tfm's context holds
//! Key Locker handles (the key wrapped by the CPU's internal key), never the
//! AES key or a key schedule, so a copy of kernel memory does not reveal
//! the key. Everything else follows from that and from the instructions:
//!
//! - A handle stops working when the wrapping key changes (re-initialisation
//!   or loss across S3). Each FPU section first checks the published state
//!   and the handle's generation and fails with `ENOKEY` without running an
//!   instruction; an instruction that still finds the handle rejected (ZF)
//!   stores nothing and fails the request the same way. A request fails, it
//!   never returns wrong data.
//! - Key Locker has no AES-192. 24-byte keys (48-byte XTS keys) go to the
//!   AES library, so the self-tests and users keep working, with a warning
//!   that those keys are not protected.
//! - One FPU section per walk step, like the AES-NI glue, so preemption is
//!   off for a bounded time; the eight-block instructions are used wherever
//!   eight blocks are available.
//! - The default priority is below AES-NI and the AES library, so loading
//!   the module changes no user silently: users select a driver by name
//!   (`capi:xts-aes-aeskl-plain64`) or raise the `priority` parameter.

use block::{
    Cbc,
    Ctr,
    Ecb, //
};
use kernel::{
    crypto::skcipher::{
        self,
        AlgorithmDesc, //
    },
    prelude::*,
    x86::keylocker::{
        self,
        State, //
    },
};

mod block;
mod key;
mod xts;

module! {
    type: AesKl,
    name: "aeskl",
    authors: ["Seed 224b9491 maintainers <maintainers@users.noreply.r-seed-224b9491.example>"],
    description: "AES-ECB/CBC/CTR/XTS with Intel Key Locker handles (AES-KL)",
    license: "GPL",
    alias: [
        "crypto-ecb-aes-aeskl",
        "crypto-cbc-aes-aeskl",
        "crypto-ctr-aes-aeskl",
        "crypto-xts-aes-aeskl",
    ],
    params: {
        priority: u32 {
            default: 100,
            description: "Crypto API priority of the AES-KL drivers (AES-NI: 400)",
        },
    },
}

struct AesKl {
    _algs: skcipher::Registration<4>,
}

impl kernel::Module for AesKl {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        if !matches!(keylocker::state(), State::Active(_)) {
            pr_err!(
                "Key Locker is not active; choose a mode in {} first\n",
                "/sys/devices/system/cpu/keylocker/mode"
            );
            return Err(ENODEV);
        }
        let priority = module_parameters::priority.value();
        let algs = skcipher::Registration::new([
            AlgorithmDesc::new::<Ecb>(priority),
            AlgorithmDesc::new::<Cbc>(priority),
            AlgorithmDesc::new::<Ctr>(priority),
            AlgorithmDesc::new::<xts::Xts>(priority),
        ])?;
        Ok(Self { _algs: algs })
    }
}
