//! Text mutators over whole sources (the built-ins, the corpus, generated programs): byte-
//! and line-level edits plus token-level ones that swap in words of the language's
//! vocabulary, so mutants stay close to the grammar. Every result is at most
//! [`MAX_INPUT`] bytes.

use crate::rng::Rng;
use std::sync::OnceLock;
use switchyard_dsl::scenario::{DEVICE_FLAGS, DRIVER_FLAGS, MOVES};
use switchyard_dsl::vocab::{
    AtsState, CfgOption, DomainLit, DomainType, Errno, NotifyAction, ACTIONS, ATTRS,
    EXAMPLE_MESSAGE, FUNCTIONS, HOOKS,
};

/// The largest input a mutator returns, in bytes; it bounds each input's time and memory.
pub const MAX_INPUT: usize = 16 * 1024;

/// Every word of the language (from its tables) and the punctuation it is written with.
pub fn dictionary() -> &'static [String] {
    static DICT: OnceLock<Vec<String>> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut v: Vec<String> = Vec::new();
        v.extend(HOOKS.iter().map(|h| h.name.to_string()));
        v.extend(
            HOOKS
                .iter()
                .flat_map(|h| h.params.iter().map(|p| p.0.to_string())),
        );
        v.extend(ACTIONS.iter().map(|a| a.name.to_string()));
        v.push(format!("\"{EXAMPLE_MESSAGE}\""));
        v.extend(ATTRS.iter().map(|a| a.name.to_string()));
        v.extend(FUNCTIONS.iter().map(|f| f.0.to_string()));
        v.extend(NotifyAction::ALL.iter().map(|x| x.name().to_string()));
        v.extend(DomainLit::ALL.iter().map(|x| x.name().to_string()));
        v.extend(DomainType::ALL.iter().map(|x| x.name().to_string()));
        v.extend(Errno::ALL.iter().map(|x| x.name().to_string()));
        v.extend(AtsState::ALL.iter().map(|x| x.name().to_string()));
        v.extend(CfgOption::ALL.iter().map(|x| x.name().to_string()));
        v.extend(MOVES.iter().map(|m| m.0.to_string()));
        v.extend(DRIVER_FLAGS.iter().map(|f| f.0.to_string()));
        v.extend(DEVICE_FLAGS.iter().map(|f| f.0.to_string()));
        v.extend(
            switchyard_dsl::policy::META_KEYS
                .iter()
                .map(|k| k.to_string()),
        );
        v.extend(
            switchyard_dsl::Base::ALL
                .iter()
                .map(|b| b.name().to_string()),
        );
        for w in [
            "policy!",
            "scenario!",
            "on",
            "if",
            "else",
            "for",
            "in",
            "let",
            "return",
            "loop",
            "while",
            "match",
            "driver",
            "group",
            "device",
            "moves",
            "script",
            "msi_translated",
            "vfio_backend",
            "default_type",
            "default_domain",
            "root_port",
            "upstream_port",
            "downstream_port",
            "parent",
            "no_acs",
            "Type1",
            "Iommufd",
            "true",
            "false",
            "status-quo",
            "park-blocked",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            "?",
            ";",
            ",",
            ".",
            "!",
            "&&",
            "||",
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "=",
            "::",
            "#[x]",
            "///",
            "//",
            "/*",
            "*/",
            "\"",
            "'",
            "r#\"",
            "b\"",
            "0x",
            "0",
            "1",
            "16",
            "17",
            "255",
            "256",
            "65536",
            "4294967296",
            "99999999999999999999",
            "-1",
            "1.5",
            "'a'",
            "é",
            "\u{0}",
            "\u{feff}",
            "\u{202e}",
            "\t",
            "\n",
            "\r\n",
            " ",
            "$",
            "@",
            "\\",
            "_",
            "fail(EBUSY);",
            "inherit()?;",
            "on claim(g) {}",
            "for d in g.devices {",
            "if g.owned {",
            "} else {",
            "name = \"x\";",
            "extends = \"status-quo\";",
            "bind(d0, drv0);",
            "group g9 { device z { } }",
            "device z { parent = d0 }",
            "device y { downstream_port, parent = d1 }",
            "driver q { }",
            "<= 3",
        ] {
            v.push(w.to_string());
        }
        v.sort();
        v.dedup();
        v
    })
}

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn at(rng: &mut Rng, s: &str) -> usize {
    boundary(s, rng.below(s.len() + 1))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The word (identifier or number) around byte `i`, as a byte range; empty when none.
fn word_at(s: &str, i: usize) -> (usize, usize) {
    let start = s[..i]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(i, |(j, _)| j);
    let end = s[i..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(s.len(), |(j, _)| i + j);
    (start, end)
}

fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

/// One random edit of `s`; `other` is a second source for splices.
pub fn mutate_once(rng: &mut Rng, s: &str, other: &str) -> String {
    let dict = dictionary();
    match rng.below(12) {
        // Delete a short range.
        0 => {
            let a = at(rng, s);
            let b = boundary(s, a + rng.range(1, 40));
            format!("{}{}", &s[..a], &s[b..])
        }
        // Insert a word or piece of punctuation.
        1 | 2 => {
            let a = at(rng, s);
            let w = rng.pick(dict);
            let sep = if rng.chance(1, 2) { " " } else { "" };
            format!("{}{sep}{w}{sep}{}", &s[..a], &s[a..])
        }
        // Replace a word with another word of the language.
        3..=5 => {
            let (a, b) = word_at(s, at(rng, s));
            let w = rng.pick(dict);
            format!("{}{w}{}", &s[..a], &s[b..])
        }
        // Duplicate, delete or swap lines.
        6 => {
            let ls = lines(s);
            if ls.is_empty() {
                return s.to_string();
            }
            let i = rng.below(ls.len());
            let mut v = ls.clone();
            match rng.below(3) {
                0 => v.insert(i, ls[i]),
                1 => {
                    v.remove(i);
                }
                _ => v.swap(i, rng.below(ls.len())),
            }
            v.concat()
        }
        // Move a line of the other source in.
        7 => {
            let theirs = lines(other);
            if theirs.is_empty() {
                return s.to_string();
            }
            let mut v = lines(s);
            let at = rng.below(v.len() + 1);
            v.insert(at, theirs[rng.below(theirs.len())]);
            v.concat()
        }
        // Splice: a prefix of this source and a suffix of the other.
        8 => {
            let a = at(rng, s);
            let b = at(rng, other);
            format!("{}{}", &s[..a], &other[b..])
        }
        // Truncate.
        9 => s[..at(rng, s)].to_string(),
        // Copy a range elsewhere.
        10 => {
            let a = at(rng, s);
            let b = boundary(s, a + rng.range(1, 200));
            let c = at(rng, s);
            format!("{}{}{}", &s[..c], &s[a..b], &s[c..])
        }
        // A random character, including controls and non-ASCII.
        _ => {
            let a = at(rng, s);
            let c = match rng.below(4) {
                0 => char::from(rng.below(128) as u8),
                1 => char::from_u32(rng.range(0x80, 0x2fff) as u32).unwrap_or('?'),
                2 => *rng.pick(&['{', '}', '(', ')', '"', '\'', '/', '*', '#', '!']),
                _ => char::from_u32(rng.range(0x1_0000, 0x1_f9ff) as u32).unwrap_or('?'),
            };
            format!("{}{c}{}", &s[..a], &s[a..])
        }
    }
}

/// One to `max` stacked edits, capped at [`MAX_INPUT`] bytes.
pub fn mutate(rng: &mut Rng, s: &str, other: &str, max: usize) -> String {
    let mut out = s.to_string();
    for _ in 0..rng.range(1, max) {
        out = mutate_once(rng, &out, other);
        if out.len() > MAX_INPUT {
            let cut = boundary(&out, MAX_INPUT);
            out.truncate(cut);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_are_bounded_and_differ() {
        let mut rng = Rng::new(11);
        let src =
            "policy! {\n    /// é doc\n    name = \"x\";\n    on claim(g) { fail(EBUSY); }\n}\n";
        let mut changed = 0;
        for _ in 0..5000 {
            let m = mutate(&mut rng, src, "scenario! { name = \"y\"; }\n", 4);
            assert!(m.len() <= MAX_INPUT);
            changed += usize::from(m != src);
        }
        assert!(changed > 4000);
        assert!(dictionary().iter().any(|w| w == "set_domain"));
        assert!(dictionary().iter().any(|w| w == "vfio_open"));
    }
}
