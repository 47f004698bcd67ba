//! Patches as `git format-patch --cover-letter --rfc -v N --base` writes them: unified
//! diffs with `index` lines, diffstat, mbox headers, the cover letter with shortlog,
//! diffstat, `base-commit:` and `change-id:`, and a comparison with a previous version.

use crate::address::Recipients;
use crate::base::BaseTree;
use crate::edit::Applied;
use crate::error::SeriesError;
use crate::options::{Identity, Options};
use crate::templates::{split_subject, wrap, Templates};
use sha1::{Digest, Sha1};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use switchyard_dsl::ir::Policy;
use switchyard_dsl::Base;

/// List archives checkpatch asks to replace with lore.kernel.org links
/// (`$obsolete_archives` in scripts/checkpatch.pl). Such a link cannot become a `Link:`
/// trailer; the cover letter carries it instead.
const OBSOLETE_ARCHIVES: &[&str] = &[
    "freedesktop.org/archives/dri-devel",
    "lists.infradead.org",
    "lkml.org",
    "mail-archive.com",
    "mailman.alsa-project.org/pipermail",
    "marc.info",
    "ozlabs.org/pipermail",
    "spinics.net",
];

pub(crate) fn obsolete_archive(link: &str) -> bool {
    let l = link.to_ascii_lowercase();
    OBSOLETE_ARCHIVES.iter().any(|a| l.contains(a))
}

pub(crate) fn policy_subject(policy: &Policy) -> String {
    policy
        .meta
        .subject
        .clone()
        .unwrap_or_else(|| format!("iommu: {}", policy.summary().trim_end_matches('.')))
}

/// One file of the series.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SeriesPatch {
    /// `0001-iommu-Do-something.patch` (`v2-0001-...` with a version).
    pub file_name: String,
    pub subject: String,
    /// The mbox text.
    pub text: String,
    /// Whom the mail is addressed to (its `To:` and `Cc:`); no one until
    /// [`Series::address`].
    pub recipients: Recipients,
}

/// A whole series: the cover letter first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Series {
    pub policy: String,
    pub base_commit: String,
    pub change_id: String,
    pub cover: SeriesPatch,
    pub patches: Vec<SeriesPatch>,
}

impl Series {
    /// Writes the cover letter and patches into `dir` (created), replacing earlier
    /// `.patch` files of a series there.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, SeriesError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SeriesError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let p = entry.map_err(io(dir))?.path();
            if p.extension().is_some_and(|e| e == "patch") {
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
        let mut written = Vec::new();
        for p in std::iter::once(&self.cover).chain(&self.patches) {
            let path = dir.join(&p.file_name);
            std::fs::write(&path, &p.text).map_err(io(&path))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// The commit log a policy's doc gives on `base`, as paragraphs rewrapped for a mail: the
/// doc without its first paragraph, which is the policy's summary (`policy list`, and where
/// the policy is placed among the others); the subject says what the patch does, and the
/// paragraphs after the summary say it in the author's words, as a kernel commit log
/// does. A doc of one paragraph is its own log.
///
/// A paragraph that opens with a base's name in brackets (`[linux-7.3] ...`) states what
/// is true of that base only: it is part of the log on that base, without the tag, and
/// left out on every other. What the kernel does differs between bases (a refused MSI on
/// one is a lost one on the other), and the policy is the same text on each.
pub(crate) fn commit_paragraphs(doc: &str, base: Base) -> Vec<String> {
    let paragraphs: Vec<String> = doc
        .split("\n\n")
        .filter_map(|p| {
            let p = p.trim_start();
            match base_tag(p) {
                Some((b, rest)) if b == base => Some(rest),
                Some(_) => None,
                None => Some(p),
            }
        })
        .map(|p| wrap(&p.split_whitespace().collect::<Vec<_>>().join(" "), 72, 0))
        .filter(|p| !p.is_empty())
        .collect();
    match paragraphs.split_first() {
        Some((summary, [])) => vec![summary.clone()],
        Some((_, log)) => log.to_vec(),
        None => Vec::new(),
    }
}

/// The base a doc paragraph is tagged with (`[linux-6.12] text`), and its text after the
/// tag; `None` for a paragraph that holds on every base.
fn base_tag(paragraph: &str) -> Option<(Base, &str)> {
    let rest = paragraph.strip_prefix('[')?;
    let (name, text) = rest.split_once(']')?;
    Base::from_name(name).map(|b| (b, text))
}

/// The URL of a policy's `link`: a message id (`<id@host>` or `id@host`) becomes its
/// lore.kernel.org address, as maintainers link to a discussion; a URL stays as it is.
pub(crate) fn link_url(link: &str) -> String {
    let id = link
        .strip_prefix('<')
        .and_then(|l| l.strip_suffix('>'))
        .unwrap_or(link);
    if !id.contains("://") && id.contains('@') && !id.contains(char::is_whitespace) {
        format!("https://lore.kernel.org/r/{id}")
    } else {
        link.to_string()
    }
}

/// The id git gives a file with this text: the SHA-1 of `blob <length>\0<text>`.
fn blob_id(text: &str) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", text.len()).as_bytes());
    h.update(text.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The function-name context of a hunk, as git's default funcname rule finds it.
fn funcname(lines: &[&str], before: usize) -> Option<String> {
    lines[..before.min(lines.len())]
        .iter()
        .rev()
        .find(|l| l.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$'))
        .map(|l| {
            l.chars()
                .take(80)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
}

/// `diff --git` for one file, with counts of added and removed lines.
fn file_diff(path: &str, before: &str, after: &str) -> (String, usize, usize) {
    let mut out = String::new();
    let _ = writeln!(out, "diff --git a/{path} b/{path}");
    let _ = writeln!(
        out,
        "index {}..{} 100644",
        &blob_id(before)[..12],
        &blob_id(after)[..12]
    );
    let _ = writeln!(out, "--- a/{path}");
    let _ = writeln!(out, "+++ b/{path}");
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Myers)
        .diff_lines(before, after);
    let old_lines: Vec<&str> = before.lines().collect();
    let (mut added, mut removed) = (0, 0);
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let header = hunk.header().to_string();
        let ops = hunk.ops();
        let old_start = ops.first().map_or(0, |o| o.old_range().start);
        match funcname(&old_lines, old_start) {
            Some(f) => {
                let _ = writeln!(out, "{header} {f}");
            }
            None => {
                let _ = writeln!(out, "{header}");
            }
        }
        for change in hunk.iter_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => {
                    removed += 1;
                    '-'
                }
                similar::ChangeTag::Insert => {
                    added += 1;
                    '+'
                }
                similar::ChangeTag::Equal => ' ',
            };
            out.push(sign);
            out.push_str(change.value());
            if change.missing_newline() {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    (out, added, removed)
}

/// git's diffstat, for a 72-column mail.
fn diffstat(files: &[(String, usize, usize)]) -> String {
    let name_w = files.iter().map(|f| f.0.len()).max().unwrap_or(0);
    let max = files.iter().map(|f| f.1 + f.2).max().unwrap_or(0);
    let num_w = max.to_string().len();
    let graph_w = 72usize.saturating_sub(name_w + num_w + 4).max(10);
    let mut out = String::new();
    let (mut ins, mut del) = (0, 0);
    for (name, a, d) in files {
        ins += a;
        del += d;
        let total = a + d;
        let (pa, pd) = if max > graph_w {
            let scale = |n: usize| {
                if n == 0 {
                    0
                } else {
                    (n * graph_w).div_ceil(max).max(1)
                }
            };
            (scale(*a), scale(*d))
        } else {
            (*a, *d)
        };
        let _ = writeln!(
            out,
            " {name:<name_w$} | {total:>num_w$} {}{}",
            "+".repeat(pa),
            "-".repeat(pd)
        );
    }
    let n = files.len();
    let _ = write!(out, " {n} file{} changed", if n == 1 { "" } else { "s" });
    if ins > 0 {
        let _ = write!(
            out,
            ", {ins} insertion{}(+)",
            if ins == 1 { "" } else { "s" }
        );
    }
    if del > 0 {
        let _ = write!(
            out,
            ", {del} deletion{}(-)",
            if del == 1 { "" } else { "s" }
        );
    }
    out.push('\n');
    out
}

/// The proleptic Gregorian (year, month 1-12, day 1-31) of a day count since
/// 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, d)
}

/// `Tue, 24 Nov 2026 17:10:00 +0000`.
fn rfc2822(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let (year, month, d) = civil_from_days(days);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d} {} {year} {h:02}:{m:02}:{s:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

/// `20261124`, for a change-id.
fn yyyymmdd(secs: i64) -> String {
    let (year, month, d) = civil_from_days(secs.div_euclid(86400));
    format!("{year}{month:02}{d:02}")
}

/// The file name `git format-patch` gives a subject.
fn file_name(n: usize, subject: &str, version: Option<u32>) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in subject.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            slug.push(c);
            dash = false;
        } else if !dash && !slug.is_empty() {
            slug.push('-');
            dash = true;
        }
    }
    let mut slug = slug.trim_end_matches(['-', '.']).to_string();
    slug.truncate(52);
    let slug = slug.trim_end_matches(['-', '.']);
    let v = version.map(|v| format!("v{v}-")).unwrap_or_default();
    format!("{v}{n:04}-{slug}.patch")
}

fn subject_prefix(k: usize, n: usize, version: Option<u32>) -> String {
    let v = version.map(|v| format!(" v{v}")).unwrap_or_default();
    format!("[PATCH RFC{v} {k:0w$}/{n}]", w = n.to_string().len())
}

const SIGNATURE: &str = concat!("-- \nswitchyard ", env!("CARGO_PKG_VERSION"), "\n\n");

/// Commits of the series in the tree's repository, kept in memory (a mempack backend),
/// so each patch carries the commit id `git format-patch` would print.
fn commits(
    tree: &dyn BaseTree,
    base: &str,
    applied: &[Applied],
    messages: &[String],
    who: &Identity,
    time: i64,
) -> Result<Vec<String>, SeriesError> {
    let files: Vec<Vec<(String, String)>> = applied
        .iter()
        .map(|a| {
            a.files
                .iter()
                .map(|(p, _, after)| (p.clone(), after.clone()))
                .collect()
        })
        .collect();
    tree.commit_chain(base, &files, messages, who, time)
}

/// Renders the series.
pub(crate) fn series(
    policy: &Policy,
    applied: Vec<Applied>,
    tree: &dyn BaseTree,
    base_commit: &str,
    opts: &Options,
    t: &Templates,
    relies_on: &[String],
) -> Result<Series, SeriesError> {
    let who = opts.from.clone();
    let time = opts.date.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    });
    let date = rfc2822(time);
    let n = applied.len();
    let mut messages = Vec::new();
    let mut bodies = Vec::new();
    let mut stats = Vec::new();
    for a in &applied {
        let p = &a.planned;
        let mut msg = format!("{}\n\n{}\n", p.subject, p.body);
        let mut trailers = p.trailers.clone();
        if opts.signoff {
            trailers.push(format!("Signed-off-by: {who}"));
        }
        if !trailers.is_empty() {
            msg.push('\n');
            for tr in &trailers {
                msg.push_str(tr);
                msg.push('\n');
            }
        }
        messages.push(msg);
        let mut diff = String::new();
        let mut stat = Vec::new();
        for (path, before, after) in &a.files {
            let (d, add, del) = file_diff(path, before, after);
            diff.push_str(&d);
            stat.push((path.clone(), add, del));
        }
        bodies.push(diff);
        stats.push(stat);
    }
    let ids = commits(tree, base_commit, &applied, &messages, &who, time)?;

    let mut patches = Vec::new();
    for (k, a) in applied.iter().enumerate() {
        let p = &a.planned;
        let (_, rest) = messages[k].split_once("\n\n").unwrap_or(("", ""));
        let mut text = String::new();
        let _ = writeln!(text, "From {} Mon Sep 17 00:00:00 2001", ids[k]);
        let _ = writeln!(text, "From: {who}");
        let _ = writeln!(text, "Date: {date}");
        let _ = writeln!(
            text,
            "Subject: {} {}",
            subject_prefix(k + 1, n, opts.version),
            p.subject
        );
        text.push('\n');
        text.push_str(rest);
        text.push_str("---\n");
        text.push_str(&diffstat(&stats[k]));
        text.push('\n');
        text.push_str(&bodies[k]);
        text.push_str(SIGNATURE);
        patches.push(SeriesPatch {
            file_name: file_name(k + 1, &p.subject, opts.version),
            subject: p.subject.clone(),
            text,
            recipients: Recipients::default(),
        });
    }

    // The cover letter: the policy, the model's verdicts, changes, shortlog, diffstat.
    let previous = match &opts.range_diff {
        Some(dir) => Some(read_previous(dir)?),
        None => None,
    };
    let change_id = previous
        .as_ref()
        .and_then(|p| p.change_id.clone())
        .unwrap_or_else(|| {
            let h = blob_id(&format!("{}\n{base_commit}\n{who}\n{time}", policy.name));
            format!("{}-{}-{}", yyyymmdd(time), policy.name, &h[..12])
        });
    let changes = previous
        .as_ref()
        .map(|prev| range_diff(prev, &patches))
        .unwrap_or_default();
    let mut total: Vec<(String, usize, usize)> = Vec::new();
    for s in stats.iter().flatten() {
        match total.iter_mut().find(|t| t.0 == s.0) {
            Some(t) => {
                t.1 += s.1;
                t.2 += s.2;
            }
            None => total.push(s.clone()),
        }
    }
    total.sort_by(|a, b| a.0.cmp(&b.0));
    let mut shortlog = format!("{} ({}):\n", who.name, n);
    for p in &patches {
        let _ = writeln!(shortlog, "  {}", p.subject);
    }
    let mut c = tera::Context::new();
    c.insert("policy", &policy.name);
    c.insert("subject", &policy_subject(policy));
    c.insert("doc", &commit_paragraphs(&policy.doc, t.base()));
    c.insert("relies_on", relies_on);
    c.insert("chain", &policy.chain.join(" -> "));
    c.insert("verdicts", &opts.verdicts);
    c.insert("version", &opts.version);
    c.insert("changes", &changes);
    c.insert("shortlog", &shortlog);
    c.insert("diffstat", &diffstat(&total));
    c.insert("base_commit", base_commit);
    c.insert("change_id", &change_id);
    let discussion: Vec<String> = policy
        .meta
        .links
        .iter()
        .map(|l| link_url(l))
        .filter(|l| obsolete_archive(l))
        .collect();
    c.insert("discussion", &discussion);
    let letter = t.render("cover-letter.txt.tera", &c)?;
    let (subject, body) = split_subject(&letter);
    let mut text = String::new();
    let _ = writeln!(text, "From {} Mon Sep 17 00:00:00 2001", "0".repeat(40));
    let _ = writeln!(text, "From: {who}");
    let _ = writeln!(text, "Date: {date}");
    let _ = writeln!(
        text,
        "Subject: {} {}",
        subject_prefix(0, n, opts.version),
        subject.trim()
    );
    text.push('\n');
    text.push_str(body.trim_start_matches('\n'));
    text.push_str(SIGNATURE);
    let cover = SeriesPatch {
        file_name: file_name(0, "cover-letter", opts.version),
        subject: subject.trim().to_string(),
        text,
        recipients: Recipients::default(),
    };
    Ok(Series {
        policy: policy.name.clone(),
        base_commit: base_commit.to_string(),
        change_id,
        cover,
        patches,
    })
}

/// A series written earlier.
struct Previous {
    change_id: Option<String>,
    /// (subject, the patch's message and diff without mail headers or ids)
    patches: Vec<(String, String)>,
}

fn read_previous(dir: &Path) -> Result<Previous, SeriesError> {
    let bad = |reason: String| SeriesError::PreviousSeries {
        dir: dir.to_path_buf(),
        reason,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| bad(e.to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "patch"))
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(bad("no .patch files".into()));
    }
    let mut change_id = None;
    let mut patches = Vec::new();
    for p in names {
        let text = std::fs::read_to_string(&p).map_err(|e| bad(format!("{}: {e}", p.display())))?;
        let subject = text
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .map(|s| s.split_once("] ").map_or(s, |x| x.1).to_string())
            .unwrap_or_default();
        if p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains("0000-cover-letter"))
        {
            change_id = text
                .lines()
                .find_map(|l| l.strip_prefix("change-id: "))
                .map(str::to_string);
            continue;
        }
        patches.push((subject, comparable(&text)));
    }
    Ok(Previous { change_id, patches })
}

/// A patch without what changes on every run or is compared apart: of its mail headers
/// only the author stays (not the commit id, date, subject or whom it is addressed to),
/// and its index lines go.
fn comparable(text: &str) -> String {
    let (head, body) = text.split_once("\n\n").unwrap_or(("", text));
    let author = head.lines().filter(|l| l.starts_with("From: "));
    let body = body.lines().filter(|l| !l.starts_with("index "));
    author.chain(body).map(|l| format!("{l}\n")).collect()
}

/// What changed since the previous version, patch by patch.
fn range_diff(prev: &Previous, now: &[SeriesPatch]) -> Vec<String> {
    let mut out = Vec::new();
    for (k, p) in now.iter().enumerate() {
        match prev.patches.iter().position(|(s, _)| *s == p.subject) {
            None => out.push(format!("{}: new: {}", k + 1, p.subject)),
            Some(j) => {
                let before = &prev.patches[j].1;
                let after = comparable(&p.text);
                if *before == after {
                    out.push(format!("{}: unchanged: {}", k + 1, p.subject));
                } else {
                    let d = similar::TextDiff::from_lines(before.as_str(), after.as_str());
                    let changed = d
                        .iter_all_changes()
                        .filter(|c| c.tag() != similar::ChangeTag::Equal)
                        .count();
                    out.push(format!(
                        "{}: changed ({changed} line{}): {}",
                        k + 1,
                        if changed == 1 { "" } else { "s" },
                        p.subject
                    ));
                }
            }
        }
    }
    for (s, _) in &prev.patches {
        if !now.iter().any(|p| p.subject == *s) {
            out.push(format!("dropped: {s}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_names() {
        assert_eq!(rfc2822(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_795_000_000), "Wed, 18 Nov 2026 11:06:40 +0000");
        assert_eq!(yyyymmdd(1_795_000_000), "20261118");
        assert_eq!(
            file_name(
                1,
                "iommu: Unpark a device's group when a driver binds",
                Some(2)
            ),
            "v2-0001-iommu-Unpark-a-device-s-group-when-a-driver-binds.patch"
        );
        assert_eq!(
            file_name(0, "cover-letter", None),
            "0000-cover-letter.patch"
        );
        assert_eq!(subject_prefix(3, 12, Some(2)), "[PATCH RFC v2 03/12]");
    }

    #[test]
    fn versions_compare_without_ids_dates_or_addressees() {
        let v1 = "From 0123 Mon Sep 17 00:00:00 2001\nFrom: A <a@b.org>\nDate: x\n\
                  Subject: [PATCH RFC 1/2] iommu: Do it\n\nBody.\n---\n\
                  diff --git a/f b/f\nindex 0123..4567 100644\n+x\n";
        let v2 = "From 89ab Mon Sep 17 00:00:00 2001\nFrom: A <a@b.org>\nDate: y\n\
                  Subject: [PATCH RFC v2 1/3] iommu: Do it\nTo: M <m@k.org>,\n    N <n@k.org>\n\
                  Cc: l@k.org\n\nBody.\n---\ndiff --git a/f b/f\nindex 89ab..cdef 100644\n+x\n";
        assert_eq!(comparable(v1), comparable(v2));
        assert_ne!(
            comparable(v1),
            comparable(&v2.replace("From: A", "From: B"))
        );
        assert_ne!(comparable(v1), comparable(&v2.replace("+x", "+y")));
    }

    #[test]
    fn diffstat_like_git() {
        let s = diffstat(&[("drivers/iommu/iommu.c".into(), 3, 1)]);
        assert_eq!(
            s,
            " drivers/iommu/iommu.c | 4 +++-\n 1 file changed, 3 insertions(+), 1 deletion(-)\n"
        );
    }

    #[test]
    fn the_log_is_the_doc_after_its_summary() {
        assert_eq!(
            commit_paragraphs(
                "Do it (a summary).\n\nMore   text\nhere.\n\nAnd more.",
                Base::Linux612
            ),
            vec!["More text here.".to_string(), "And more.".to_string()]
        );
        assert_eq!(
            commit_paragraphs("Only a\nsummary.", Base::Linux612),
            vec!["Only a summary.".to_string()]
        );
        assert!(commit_paragraphs("", Base::Linux612).is_empty());
    }

    #[test]
    fn a_tagged_paragraph_is_in_its_base_log_only() {
        let doc = "Sum.\n\nBoth.\n\n[linux-6.12] Lost\nhere.\n\n[linux-7.3] Refused.\n\n[v2] Kept.";
        assert_eq!(
            commit_paragraphs(doc, Base::Linux612),
            vec!["Both.", "Lost here.", "[v2] Kept."]
        );
        assert_eq!(
            commit_paragraphs(doc, Base::Linux73),
            vec!["Both.", "Refused.", "[v2] Kept."]
        );
    }

    #[test]
    fn message_ids_link_to_lore() {
        assert_eq!(
            link_url("<20260101.abc@example.org>"),
            "https://lore.kernel.org/r/20260101.abc@example.org"
        );
        assert_eq!(
            link_url("20260101.abc@example.org"),
            "https://lore.kernel.org/r/20260101.abc@example.org"
        );
        let url = "https://lkml.iu.edu/hypermail/linux/kernel/2602.2/05845.html";
        assert_eq!(link_url(url), url);
        let lore = "https://lore.kernel.org/r/20260101.abc@example.org";
        assert_eq!(link_url(lore), lore);
    }
}
