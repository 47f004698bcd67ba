//! Who each mail goes to: `To:` and `Cc:` headers written as `git format-patch --to --cc`
//! writes them (after `Subject:`, one address a line, continued with four spaces), so
//! that `git send-email` and b4 read them; each patch addressed on its own and the cover
//! letter to all of them.

use crate::patch::{Series, SeriesPatch};

/// The addressees of one mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recipients {
    /// `To:`, in order.
    pub to: Vec<String>,
    /// `Cc:`, in order.
    pub cc: Vec<String>,
}

impl Recipients {
    /// Whether the mail goes to no one.
    pub fn is_empty(&self) -> bool {
        self.to.is_empty() && self.cc.is_empty()
    }

    /// Without repeats (the first kept) and without copying anyone the mail is to.
    pub fn normalised(self) -> Recipients {
        let mut to: Vec<String> = Vec::new();
        for a in self.to {
            if !to.contains(&a) {
                to.push(a);
            }
        }
        let mut cc: Vec<String> = Vec::new();
        for a in self.cc {
            if !to.contains(&a) && !cc.contains(&a) {
                cc.push(a);
            }
        }
        Recipients { to, cc }
    }

    /// Everyone any of `all` goes to, in the order they first appear: whoever is in one
    /// mail's `To:` is in the union's `To:`.
    pub fn union<'a>(all: impl IntoIterator<Item = &'a Recipients>) -> Recipients {
        let mut u = Recipients::default();
        for r in all {
            u.to.extend(r.to.iter().cloned());
            u.cc.extend(r.cc.iter().cloned());
        }
        u.normalised()
    }

    /// The header lines, `To:` then `Cc:`, each left out when empty.
    fn headers(&self) -> String {
        let mut out = String::new();
        for (name, list) in [("To", &self.to), ("Cc", &self.cc)] {
            for (i, a) in list.iter().enumerate() {
                out.push_str(if i == 0 { name } else { "   " });
                out.push_str(if i == 0 { ": " } else { " " });
                out.push_str(a);
                if i + 1 < list.len() {
                    out.push(',');
                }
                out.push('\n');
            }
        }
        out
    }
}

/// `text` with the `To:` and `Cc:` headers of `r` at the end of its header block, in
/// place of any it had.
fn with_headers(text: &str, r: &Recipients) -> String {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut kept = String::new();
    let mut dropping = false;
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if !dropping {
                kept.push_str(line);
                kept.push('\n');
            }
            continue;
        }
        dropping = line.starts_with("To:") || line.starts_with("Cc:");
        if !dropping {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    format!("{kept}{}\n{body}", r.headers())
}

impl SeriesPatch {
    fn address(&mut self, r: Recipients) {
        self.text = with_headers(&self.text, &r);
        self.recipients = r;
    }
}

impl Series {
    /// Addresses patch `k` (from 0) to `recipients(k, patch)` and the cover letter to the
    /// union of them all, replacing whatever they were addressed to before.
    pub fn address(&mut self, mut recipients: impl FnMut(usize, &SeriesPatch) -> Recipients) {
        for k in 0..self.patches.len() {
            let r = recipients(k, &self.patches[k]).normalised();
            self.patches[k].address(r);
        }
        let all = Recipients::union(self.patches.iter().map(|p| &p.recipients));
        self.cover.address(all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(to: &[&str], cc: &[&str]) -> Recipients {
        Recipients {
            to: to.iter().map(|s| s.to_string()).collect(),
            cc: cc.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn headers_as_git_format_patch_writes_them() {
        let mail = "From 0123 Mon Sep 17 00:00:00 2001\nFrom: A <a@b.org>\nDate: x\n\
                    Subject: [PATCH] iommu: Do it\n\nBody.\n---\n";
        let addressed = with_headers(
            mail,
            &r(
                &[
                    "Joerg Roedel <joro@8bytes.org>",
                    "Will Deacon <will@kernel.org>",
                ],
                &["iommu@lists.linux.dev"],
            ),
        );
        assert_eq!(
            addressed,
            "From 0123 Mon Sep 17 00:00:00 2001\nFrom: A <a@b.org>\nDate: x\n\
             Subject: [PATCH] iommu: Do it\n\
             To: Joerg Roedel <joro@8bytes.org>,\n    Will Deacon <will@kernel.org>\n\
             Cc: iommu@lists.linux.dev\n\nBody.\n---\n"
        );
        // Addressed again: the old headers go, continuation lines with them.
        assert_eq!(
            with_headers(&addressed, &r(&["b@c.org"], &[])),
            "From 0123 Mon Sep 17 00:00:00 2001\nFrom: A <a@b.org>\nDate: x\n\
             Subject: [PATCH] iommu: Do it\nTo: b@c.org\n\nBody.\n---\n"
        );
        assert_eq!(with_headers(&addressed, &Recipients::default()), mail);
    }

    #[test]
    fn unions_keep_the_first_place_and_to_wins() {
        let u = Recipients::union([
            &r(&["m1", "m2"], &["l1", "r1"]),
            &r(&["r1", "m3"], &["l1", "l2", "m1"]),
        ]);
        assert_eq!(u, r(&["m1", "m2", "r1", "m3"], &["l1", "l2"]));
        assert_eq!(
            r(&["a", "a"], &["a", "b", "b"]).normalised(),
            r(&["a"], &["b"])
        );
    }
}
