// SPDX-License-Identifier: GPL-2.0

//! Command-line options of the subcommands: `--name value` or
//! `--name=value`, flags without a value, and positional arguments.

use crate::wipe;
use std::str::FromStr;

/// A usage error: the message, printed with the usage text; exit status 2.
#[derive(Debug)]
pub struct Usage(pub String);

/// The parsed arguments of one subcommand.
#[derive(Debug)]
pub struct Opts {
    named: Vec<(String, Option<String>)>,
    positional: Vec<String>,
}

/// Splits `args` into the options in `valued` (which take a value), the
/// flags in `flags`, and positional arguments. Values are moved, never
/// copied, so a secret given as a value exists once (plus the kernel's
/// argv, which this program cannot reach).
pub fn parse(args: Vec<String>, valued: &[&str], flags: &[&str]) -> Result<Opts, Usage> {
    let mut opts = Opts {
        named: Vec::new(),
        positional: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(mut arg) = args.next() {
        let Some(spelled) = arg.strip_prefix("--") else {
            opts.positional.push(arg);
            continue;
        };
        let (name, value) = match spelled.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (spelled.to_string(), None),
        };
        if value.is_some() {
            // The value was copied out of `arg`: wipe the original.
            wipe::wipe_string(&mut arg);
        }
        if opts.named.iter().any(|(n, _)| *n == name) {
            return Err(Usage(format!("--{name} given twice")));
        }
        if valued.contains(&name.as_str()) {
            let value = match value {
                Some(value) => value,
                None => args
                    .next()
                    .ok_or_else(|| Usage(format!("--{name} needs a value")))?,
            };
            opts.named.push((name, Some(value)));
        } else if flags.contains(&name.as_str()) {
            if value.is_some() {
                return Err(Usage(format!("--{name} takes no value")));
            }
            opts.named.push((name, None));
        } else {
            return Err(Usage(format!("unknown option --{name}")));
        }
    }
    Ok(opts)
}

impl Opts {
    /// Takes the value of option `name`, if given.
    pub fn value(&mut self, name: &str) -> Option<String> {
        let at = self.named.iter().position(|(n, _)| n == name)?;
        self.named.remove(at).1
    }

    /// Takes the value of option `name`, which must be given.
    pub fn required(&mut self, name: &str) -> Result<String, Usage> {
        self.value(name)
            .ok_or_else(|| Usage(format!("--{name} is required")))
    }

    /// Whether flag `name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.named.iter().any(|(n, _)| n == name)
    }

    /// Takes and parses the value of option `name`, if given.
    pub fn number<T: FromStr>(&mut self, name: &str) -> Result<Option<T>, Usage> {
        self.value(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| Usage(format!("--{name}: not a number: {v:?}")))
            })
            .transpose()
    }

    /// The positional arguments, which must be exactly `n`.
    pub fn positionals(&mut self, n: usize) -> Result<Vec<String>, Usage> {
        if self.positional.len() != n {
            return Err(Usage(format!(
                "want {n} arguments, got {}",
                self.positional.len()
            )));
        }
        Ok(std::mem::take(&mut self.positional))
    }
}

/// Parses a decimal or `0x`-prefixed hexadecimal 64-bit number.
pub fn parse_u64(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options() {
        let args = strings(&["--mode", "xts", "--count=5", "--decrypt", "pos"]);
        let mut opts = parse(args, &["mode", "count"], &["decrypt"]).unwrap();
        assert!(opts.flag("decrypt"));
        assert_eq!(opts.required("mode").unwrap(), "xts");
        assert_eq!(opts.number::<u32>("count").unwrap(), Some(5));
        assert_eq!(opts.number::<u32>("count").unwrap(), None);
        assert!(opts.required("mode").is_err());
        assert_eq!(opts.positionals(1).unwrap(), ["pos"]);
    }

    #[test]
    fn refusals() {
        assert!(parse(strings(&["--bogus"]), &[], &[]).is_err());
        assert!(parse(strings(&["--mode"]), &["mode"], &[]).is_err());
        assert!(parse(strings(&["--a", "1", "--a", "2"]), &["a"], &[]).is_err());
        assert!(parse(strings(&["--f=1"]), &[], &["f"]).is_err());
        let mut opts = parse(strings(&["--n", "x"]), &["n"], &[]).unwrap();
        assert!(opts.number::<u32>("n").is_err());
        assert_eq!(parse_u64("0x10"), Some(16));
        assert_eq!(parse_u64("17"), Some(17));
        assert_eq!(parse_u64("-1"), None);
    }
}
