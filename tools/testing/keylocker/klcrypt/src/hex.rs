// SPDX-License-Identifier: GPL-2.0

//! Hex text to bytes and back.
//!
//! Decoding writes straight into a caller's fixed buffer and allocates
//! nothing, so a secret key decoded from the command line exists in exactly
//! one place, which the caller then wipes (see [`crate::wipe`]).

use std::fmt::{self, Display, Write};

/// Why a hex string was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HexError {
    /// An odd number of digits.
    Odd,
    /// More bytes than the buffer holds.
    TooLong { max: usize },
    /// A character that is not a hex digit, at this character index.
    BadDigit { at: usize },
}

impl Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::Odd => f.write_str("odd number of hex digits"),
            HexError::TooLong { max } => write!(f, "more than {max} bytes of hex"),
            HexError::BadDigit { at } => write!(f, "not a hex digit at position {at}"),
        }
    }
}

/// Lower-case hex of `bytes`, no separators.
pub fn encode(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The value of one hex digit.
fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Decodes `hex` into the start of `out` and returns how many bytes it
/// wrote. On an error, `out` may hold part of the value: wipe it anyway.
pub fn decode_into(hex: &str, out: &mut [u8]) -> Result<usize, HexError> {
    let digits = hex.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(HexError::Odd);
    }
    let len = digits.len() / 2;
    if len > out.len() {
        return Err(HexError::TooLong { max: out.len() });
    }
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let hi = nibble(pair[0]).ok_or(HexError::BadDigit { at: 2 * i })?;
        let lo = nibble(pair[1]).ok_or(HexError::BadDigit { at: 2 * i + 1 })?;
        out[i] = hi << 4 | lo;
    }
    Ok(len)
}

/// Decodes `hex`, which must be exactly `N` bytes.
pub fn decode_exact<const N: usize>(hex: &str) -> Result<[u8; N], String> {
    let mut out = [0; N];
    match decode_into(hex, &mut out) {
        Ok(len) if len == N => Ok(out),
        Ok(len) => Err(format!("{len} bytes of hex, want {N}")),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let bytes = [0x00, 0x01, 0x7f, 0x80, 0xab, 0xff];
        let text = encode(&bytes);
        assert_eq!(text, "00017f80abff");
        let mut out = [0; 8];
        assert_eq!(decode_into("00017F80ABff", &mut out), Ok(6));
        assert_eq!(out[..6], bytes);
    }

    #[test]
    fn refusals() {
        let mut out = [0; 2];
        assert_eq!(decode_into("abc", &mut out), Err(HexError::Odd));
        assert_eq!(
            decode_into("aabbcc", &mut out),
            Err(HexError::TooLong { max: 2 })
        );
        assert_eq!(decode_into("a g", &mut out), Err(HexError::Odd));
        assert_eq!(
            decode_into("0g", &mut out),
            Err(HexError::BadDigit { at: 1 })
        );
        assert!(decode_exact::<16>("00").is_err());
        assert_eq!(decode_exact::<2>("0102"), Ok([1, 2]));
    }
}
