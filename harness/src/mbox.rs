//! Reading one patch mail as `git format-patch` writes it, the way `git am`
//! (`git mailinfo`) reads it: author from `From:`, author date from `Date:`,
//! subject with its `[PATCH ...]` prefixes stripped, message up to the `---`
//! line, and the diff after it.
//!
//! Hand-written rather than a mail crate because `git am`'s rules are
//! specific (subject cleanup, in-body `From:`/`Subject:`/`Date:` headers,
//! where the message ends, `stripspace`), and the commits must come out as
//! `git am` makes them: the tests compare the two.

use std::fmt;

/// One parsed patch mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPatch {
    /// Author name (RFC 2047 decoded).
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author date: seconds since the epoch.
    pub date_seconds: i64,
    /// Author date: UTC offset in minutes.
    pub date_offset_minutes: i32,
    /// The subject, `[PATCH ...]` and `Re:` prefixes stripped.
    pub subject: String,
    /// The whole commit message as `git am` makes it: subject, blank line,
    /// body; trailing spaces and repeated blank lines removed; ends with a
    /// newline.
    pub message: String,
    /// Everything from the line ending the message: the diffstat, if any,
    /// then the `diff --git` sections.
    pub diff: Vec<u8>,
}

/// Why a mail could not be read as a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxError {
    /// 1-based line of the mail the problem is on, when there is one.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for MboxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for MboxError {}

fn fail<T>(line: Option<usize>, reason: impl Into<String>) -> Result<T, MboxError> {
    Err(MboxError {
        line,
        reason: reason.into(),
    })
}

/// The `base-commit:` of a cover letter (`git format-patch --base`), if it
/// has one.
pub fn base_commit(cover_letter: &[u8]) -> Option<String> {
    cover_letter.split(|&b| b == b'\n').find_map(|line| {
        let value = line.strip_prefix(b"base-commit:")?;
        let value = std::str::from_utf8(value).ok()?.trim();
        let hex = value.len() >= 4 && value.bytes().all(|b| b.is_ascii_hexdigit());
        hex.then(|| value.to_string())
    })
}

/// Parses one patch mail (a `git format-patch` file).
pub fn parse(mail: &[u8]) -> Result<MailPatch, MboxError> {
    // git am drops the CR of CRLF line ends (am.keepcr is off by default).
    let text: Vec<u8> = strip_cr(mail);
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    if text.ends_with(b"\n") {
        lines.pop();
    }
    let mut at = 0;
    if lines.first().is_some_and(|l| l.starts_with(b"From ")) {
        at = 1;
    }

    // Headers, unfolded as git mailinfo does.
    let mut headers: Vec<(String, String, usize)> = Vec::new();
    while at < lines.len() {
        let line = lines[at];
        if line.is_empty() {
            at += 1;
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            match headers.last_mut() {
                Some((_, value, _)) => {
                    value.push(' ');
                    value.push_str(String::from_utf8_lossy(&line[1..]).trim_end());
                }
                None => return fail(Some(at + 1), "continuation line before any header"),
            }
        } else if let Some((name, value)) = header_line(line) {
            headers.push((name, value, at + 1));
        } else if headers.is_empty() {
            return fail(
                Some(at + 1),
                "no mail headers: expected From:, Date: and Subject: as git format-patch writes",
            );
        } else {
            // Not a header: the body starts here (as mailinfo decides).
            break;
        }
        at += 1;
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v, l)| (v.as_str(), *l))
    };

    if let Some((content_type, line)) = header("Content-Type") {
        if content_type
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/")
        {
            return fail(
                Some(line),
                "multipart mail (attachments) is not supported: use git format-patch output",
            );
        }
    }
    let charset = header("Content-Type").and_then(|(v, _)| charset_of(v));
    let body_raw: Vec<u8> = lines[at.min(lines.len())..].join(&b"\n"[..]);
    let body = match header("Content-Transfer-Encoding") {
        None => body_raw,
        Some((cte, line)) => match cte.trim().to_ascii_lowercase().as_str() {
            "7bit" | "8bit" | "binary" => body_raw,
            "quoted-printable" => decode_quoted_printable(&body_raw),
            "base64" => decode_base64(&body_raw).ok_or_else(|| MboxError {
                line: Some(line),
                reason: "the base64 body does not decode".into(),
            })?,
            other => {
                return fail(
                    Some(line),
                    format!("unsupported Content-Transfer-Encoding: {other}"),
                )
            }
        },
    };
    let body_first_line = at + 1;

    let (mut from, from_line) = match header("From") {
        Some((v, l)) => (v.to_string(), Some(l)),
        None => (String::new(), None),
    };
    let (mut date, date_line) = match header("Date") {
        Some((v, l)) => (v.to_string(), Some(l)),
        None => (String::new(), None),
    };
    let (mut subject, _) = match header("Subject") {
        Some((v, l)) => (v.to_string(), Some(l)),
        None => (String::new(), None),
    };

    // Body: skip blank lines, take in-body From:/Date:/Subject: headers,
    // then the message until the patch break.
    let body_lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    let mut i = 0;
    while i < body_lines.len() && is_blank(body_lines[i]) {
        i += 1;
    }
    let mut in_body = false;
    while i < body_lines.len() {
        let line = String::from_utf8_lossy(body_lines[i]);
        if let Some(v) = line.strip_prefix("From: ") {
            from = v.to_string();
        } else if let Some(v) = line.strip_prefix("Date: ") {
            date = v.to_string();
        } else if let Some(v) = line.strip_prefix("Subject: ") {
            subject = v.to_string();
        } else {
            break;
        }
        in_body = true;
        i += 1;
    }
    if in_body {
        while i < body_lines.len() && is_blank(body_lines[i]) {
            i += 1;
        }
    }
    let message_start = i;
    while i < body_lines.len() && !is_patch_break(body_lines[i]) {
        i += 1;
    }
    let message_bytes = body_lines[message_start..i].join(&b"\n"[..]);
    let diff = if i < body_lines.len() {
        let mut diff = body_lines[i..].join(&b"\n"[..]);
        diff.push(b'\n');
        diff
    } else {
        Vec::new()
    };
    if !diff.starts_with(b"diff --git ") && find(&diff, b"\ndiff --git ").is_none() {
        return fail(
            None,
            "no 'diff --git' in the mail: it carries no patch (git am would say 'Patch is empty')",
        );
    }

    if from.trim().is_empty() {
        return fail(from_line, "no From: header naming the author");
    }
    let (author_name, author_email) = parse_author(&from).ok_or_else(|| MboxError {
        line: from_line,
        reason: format!("cannot read an author name and email in 'From: {from}'"),
    })?;
    if date.trim().is_empty() {
        return fail(date_line, "no Date: header giving the author date");
    }
    let (date_seconds, date_offset_minutes) = parse_date(&date).ok_or_else(|| MboxError {
        line: date_line,
        reason: format!("cannot read the date in 'Date: {date}' (RFC 2822 expected)"),
    })?;
    let subject = clean_subject(&decode_words(&subject));
    if subject.is_empty() {
        return fail(
            None,
            "no Subject: (or an empty one) to make the commit title from",
        );
    }
    let body_text = to_utf8(&message_bytes, charset.as_deref()).map_err(|reason| MboxError {
        line: Some(body_first_line),
        reason,
    })?;
    let message = stripspace(&format!("{subject}\n\n{body_text}"));

    Ok(MailPatch {
        author_name,
        author_email,
        date_seconds,
        date_offset_minutes,
        subject,
        message,
        diff,
    })
}

fn strip_cr(mail: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(mail.len());
    for (i, &b) in mail.iter().enumerate() {
        if b == b'\r' && mail.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// `Name: value` with an RFC 2822 field name.
fn header_line(line: &[u8]) -> Option<(String, String)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) {
        return None;
    }
    let value = String::from_utf8_lossy(&line[colon + 1..])
        .trim()
        .to_string();
    Some((String::from_utf8_lossy(name).into_owned(), value))
}

/// git mailinfo's `patchbreak()`: where the commit message ends.
fn is_patch_break(line: &[u8]) -> bool {
    if line.starts_with(b"diff -") || line.starts_with(b"Index: ") {
        return true;
    }
    if let Some(rest) = line.strip_prefix(b"---") {
        if rest.first() == Some(&b' ') && rest.get(1).is_some_and(|b| !b.is_ascii_whitespace()) {
            return true;
        }
        return is_blank(rest);
    }
    false
}

fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    })
}

fn to_utf8(bytes: &[u8], charset: Option<&str>) -> Result<String, String> {
    match charset {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => String::from_utf8(bytes.to_vec())
            .map_err(|_| {
                "the message is not valid UTF-8 (and no other charset is declared)".into()
            }),
        Some("iso-8859-1" | "latin1" | "iso-8859-15") => {
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        }
        Some(other) => Err(format!("unsupported charset {other} (UTF-8 expected)")),
    }
}

/// git's `strbuf_stripspace()` without comment handling.
pub(crate) fn stripspace(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut blank_pending = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank_pending = !out.is_empty();
            continue;
        }
        if blank_pending {
            out.push('\n');
            blank_pending = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// git mailinfo's `cleanup_subject()` then `cleanup_space()`: strips
/// leading `Re:`, `[...]` groups, spaces and colons; collapses spaces.
pub(crate) fn clean_subject(subject: &str) -> String {
    let mut s = subject;
    loop {
        let before = s.len();
        s = s.trim_start_matches([' ', '\t', ':']);
        if s.len() >= 3 && s[..3].eq_ignore_ascii_case("re:") {
            s = &s[3..];
        } else if s.starts_with('[') {
            if let Some(end) = s.find(']') {
                s = &s[end + 1..];
            }
        }
        if s.len() == before {
            break;
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Name <email>`, `"Name" <email>`, `email (Name)` or a bare `email`.
fn parse_author(from: &str) -> Option<(String, String)> {
    let from = from.trim();
    let (name, email) = if let (Some(open), Some(close)) = (from.rfind('<'), from.rfind('>')) {
        if close < open {
            return None;
        }
        (from[..open].trim(), from[open + 1..close].trim())
    } else if let (Some(open), Some(close)) = (from.find('('), from.rfind(')')) {
        if close < open {
            return None;
        }
        (from[open + 1..close].trim(), from[..open].trim())
    } else {
        ("", from)
    };
    if email.is_empty() || email.contains(['<', '>', '\n']) || email.contains(char::is_whitespace) {
        return None;
    }
    let mut name = decode_words(unquote(name).as_str());
    if name.trim().is_empty() {
        name = email.to_string();
    }
    let name = name.trim().to_string();
    if name.contains(['<', '>', '\n']) {
        return None;
    }
    Some((name, email.to_string()))
}

fn unquote(name: &str) -> String {
    match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(next) = chars.next() {
                        out.push(next);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => name.to_string(),
    }
}

/// Decodes RFC 2047 encoded words (`=?UTF-8?q?...?=`, `=?utf-8?b?...?=`);
/// whitespace between two encoded words is dropped, as the RFC says.
pub(crate) fn decode_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let Some((decoded, len)) = encoded_word(&rest[start..]) else {
            let (literal, tail) = rest.split_at(start + 2);
            out.push_str(literal);
            rest = tail;
            after_word = false;
            continue;
        };
        let between = &rest[..start];
        if !(after_word && between.chars().all(char::is_whitespace)) {
            out.push_str(between);
        }
        out.push_str(&decoded);
        rest = &rest[start + len..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: its text and length.
fn encoded_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let q1 = inner.find('?')?;
    let charset = inner[..q1].split('*').next()?.to_ascii_lowercase();
    let after = &inner[q1 + 1..];
    let (encoding, payload_and_rest) = after.split_once('?')?;
    let end = payload_and_rest.find("?=")?;
    let payload = &payload_and_rest[..end];
    let bytes = match encoding {
        "q" | "Q" => decode_q(payload)?,
        "b" | "B" => decode_base64(payload.as_bytes())?,
        _ => return None,
    };
    let decoded = to_utf8(&bytes, Some(&charset)).ok()?;
    let len = 2 + q1 + 1 + encoding.len() + 1 + end + 2;
    Some((decoded, len))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode_q(payload: &str) -> Option<Vec<u8>> {
    let bytes = payload.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = hex_value(*bytes.get(i + 1)?)?;
                let lo = hex_value(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            if body.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let (Some(hi), Some(lo)) = (
                body.get(i + 1).copied().and_then(hex_value),
                body.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(body[i]);
        i += 1;
    }
    out
}

fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in text {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b if b.is_ascii_whitespace() => continue,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// An RFC 2822 date: `[Day,] DD Mon YYYY HH:MM[:SS] +ZZZZ`. Returns seconds
/// since the epoch and the offset in minutes.
pub(crate) fn parse_date(date: &str) -> Option<(i64, i32)> {
    let mut tokens = date
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .peekable();
    if tokens.peek()?.chars().all(|c| c.is_ascii_alphabetic()) {
        tokens.next();
    }
    let day: u32 = tokens.next()?.parse().ok()?;
    let month = match tokens.next()?.get(..3)?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    let year_token = tokens.next()?;
    let mut year: i64 = year_token.parse().ok()?;
    if year_token.len() <= 2 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let mut clock = tokens.next()?.split(':');
    let hour: i64 = clock.next()?.parse().ok()?;
    let minute: i64 = clock.next()?.parse().ok()?;
    let second: i64 = clock.next().map_or(Some(0), |s| s.parse().ok())?;
    let offset = match tokens.next() {
        None => 0,
        Some(zone) => parse_zone(zone)?,
    };
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some((local - i64::from(offset) * 60, offset))
}

fn parse_zone(zone: &str) -> Option<i32> {
    let named = match zone.to_ascii_uppercase().as_str() {
        "GMT" | "UT" | "UTC" | "Z" => Some(0),
        "EST" => Some(-300),
        "EDT" => Some(-240),
        "CST" => Some(-360),
        "CDT" => Some(-300),
        "MST" => Some(-420),
        "MDT" => Some(-360),
        "PST" => Some(-480),
        "PDT" => Some(-420),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &str = concat!(
        "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n",
        "From: =?UTF-8?q?J=C3=B6rg=20R=C3=B6del?= <joro@example.org>\n",
        "Date: Tue, 3 Feb 2026 10:11:12 +0100\n",
        "Subject: [PATCH RFC v2 2/3] iommu: a subject long enough to be\n",
        " folded onto a second line\n",
        "MIME-Version: 1.0\n",
        "Content-Type: text/plain; charset=UTF-8\n",
        "Content-Transfer-Encoding: 8bit\n",
        "\n",
        "First paragraph.   \n",
        "\n",
        "\n",
        "Signed-off-by: J\u{f6}rg R\u{f6}del <joro@example.org>\n",
        "---\n",
        " drivers/iommu/iommu.c | 1 +\n",
        " 1 file changed, 1 insertion(+)\n",
        "\n",
        "diff --git a/drivers/iommu/iommu.c b/drivers/iommu/iommu.c\n",
        "index 1111111..2222222 100644\n",
        "--- a/drivers/iommu/iommu.c\n",
        "+++ b/drivers/iommu/iommu.c\n",
        "@@ -1,1 +1,2 @@\n",
        " a\n",
        "+b\n",
        "-- \n",
        "2.47.3\n",
        "\n",
    );

    #[test]
    fn reads_a_format_patch_mail() {
        let patch = parse(MAIL.as_bytes()).unwrap();
        assert_eq!(patch.author_name, "J\u{f6}rg R\u{f6}del");
        assert_eq!(patch.author_email, "joro@example.org");
        assert_eq!(patch.date_offset_minutes, 60);
        // 2026-02-03T09:11:12Z
        assert_eq!(patch.date_seconds, 1_770_109_872);
        assert_eq!(
            patch.subject,
            "iommu: a subject long enough to be folded onto a second line"
        );
        assert_eq!(
            patch.message,
            "iommu: a subject long enough to be folded onto a second line\n\n\
             First paragraph.\n\nSigned-off-by: J\u{f6}rg R\u{f6}del <joro@example.org>\n"
        );
        assert!(patch.diff.starts_with(b"---\n drivers/iommu/iommu.c"));
        assert!(find(&patch.diff, b"\ndiff --git a/drivers").is_some());
    }

    #[test]
    fn in_body_headers_override() {
        let mail = MAIL.replace(
            "\nFirst paragraph.",
            "\nFrom: Other Person <other@example.org>\nSubject: [PATCH] real subject\n\nFirst paragraph.",
        );
        let patch = parse(mail.as_bytes()).unwrap();
        assert_eq!(patch.author_name, "Other Person");
        assert_eq!(patch.subject, "real subject");
        assert!(patch
            .message
            .starts_with("real subject\n\nFirst paragraph.\n"));
    }

    #[test]
    fn subjects_are_cleaned_like_git_am() {
        assert_eq!(clean_subject("[PATCH] a"), "a");
        assert_eq!(clean_subject("Re: [PATCH v3 04/10] b:  c"), "b: c");
        assert_eq!(clean_subject("[RFC][PATCH 1/2] x"), "x");
        assert_eq!(clean_subject("[unterminated"), "[unterminated");
    }

    #[test]
    fn dates_and_words() {
        assert_eq!(parse_date("Thu, 1 Jan 1970 00:00:00 +0000"), Some((0, 0)));
        assert_eq!(parse_date("1 Jan 1970 01:00 +0100"), Some((0, 60)));
        assert_eq!(
            parse_date("Fri, 29 Feb 2008 12:00:00 -0700"),
            Some((1_204_311_600, -420))
        );
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(decode_words("=?UTF-8?q?a?= =?UTF-8?q?b?= c"), "ab c");
        assert_eq!(decode_words("=?utf-8?B?w7Y=?="), "\u{f6}");
        assert_eq!(decode_words("plain =?bogus"), "plain =?bogus");
    }

    #[test]
    fn authors() {
        assert_eq!(
            parse_author("\"Last, First\" <a@b>"),
            Some(("Last, First".into(), "a@b".into()))
        );
        assert_eq!(
            parse_author("a@b (Name)"),
            Some(("Name".into(), "a@b".into()))
        );
        assert_eq!(parse_author("a@b"), Some(("a@b".into(), "a@b".into())));
        assert_eq!(parse_author("Name <>"), None);
    }

    #[test]
    fn malformed_mail_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"\n\n\n",
            b"garbage without headers\n",
            b"From: a <b@c>\n",
            b"From: a <b@c>\nSubject: x\n\nno diff here\n",
            b"From: a <b@c>\nDate: nonsense\nSubject: x\n\n---\ndiff --git a/x b/x\n",
            b"\xff\xfe\x00",
            b"Subject: =?utf-8?b?####?=\n\n",
        ] {
            assert!(
                parse(input).is_err(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn base_commit_of_a_cover_letter() {
        let cover = b"Subject: [PATCH 0/2] x\n\n--\n2.47.3\n\nbase-commit: 0123456789abcdef0123456789abcdef01234567\n";
        assert_eq!(
            base_commit(cover).as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        assert_eq!(base_commit(b"no base\n"), None);
    }

    #[test]
    fn stripspace_like_git() {
        assert_eq!(stripspace("\n\na  \n\n\n\nb\n\n"), "a\n\nb\n");
        assert_eq!(stripspace(""), "");
    }
}
