//! Finding places in C source by structure: a function by name, a prototype, a struct
//! member, a statement inside a named function. Never by line number: a place that is
//! missing or found more than once is an [`AnchorError`] naming what was found.

use std::fmt;
use std::ops::Range;

/// What an anchor names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The definition of a function (with an `EXPORT_SYMBOL*()` line that follows it).
    Function(String),
    /// A prototype `... name(...);` at file scope.
    Prototype(String),
    /// A `static inline` definition (the stubs in headers).
    InlineStub(String),
    /// A member of a struct: the line declaring it.
    Member { strukt: String, member: String },
    /// A statement (exact text) inside a function.
    Statement { function: String, text: String },
    /// The line documenting `@param` in the kernel-doc comment of `item`
    /// (`struct device_driver`).
    KernelDocParam { item: String, param: String },
    /// The line `#include <header>`.
    Include(String),
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::Function(n) => write!(f, "function {n}()"),
            Anchor::Prototype(n) => write!(f, "prototype of {n}()"),
            Anchor::InlineStub(n) => write!(f, "static inline {n}()"),
            Anchor::Include(h) => write!(f, "#include <{h}>"),
            Anchor::Member { strukt, member } => write!(f, "member `{member}` of {strukt}"),
            Anchor::KernelDocParam { item, param } => {
                write!(f, "kernel-doc line of @{param} in the comment of {item}")
            }
            Anchor::Statement { function, text } => {
                let first = text.lines().next().unwrap_or("").trim();
                write!(f, "statement `{first}` in {function}()")
            }
        }
    }
}

/// A place that is not there exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotFound {
    pub(crate) anchor: Anchor,
    /// What was found instead ("nothing", "2 definitions, at lines 10 and 52", ...).
    pub(crate) found: String,
}

struct Line<'a> {
    start: usize,
    text: &'a str,
}

fn lines(src: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for l in src.split_inclusive('\n') {
        out.push(Line {
            start,
            text: l.trim_end_matches('\n'),
        });
        start += l.len();
    }
    out
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `line` names `name` followed by `(` as a whole identifier.
fn names_call(line: &str, name: &str) -> bool {
    let pat = format!("{name}(");
    let mut from = 0;
    while let Some(i) = line[from..].find(&pat) {
        let at = from + i;
        if at == 0 || !line[..at].chars().next_back().is_some_and(ident_char) {
            return true;
        }
        from = at + 1;
    }
    false
}

fn top_level_start(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| !c.is_whitespace() && !matches!(c, '#' | '/' | '*' | '}' | '{'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeclKind {
    Definition,
    Prototype,
}

struct Decl {
    kind: DeclKind,
    is_static_inline: bool,
    span: Range<usize>,
    line: usize,
}

fn decls(src: &str, name: &str) -> Vec<Decl> {
    let ls = lines(src);
    let mut out = Vec::new();
    let mut i = 0;
    while i < ls.len() {
        let t = ls[i].text;
        if !(top_level_start(t) && names_call(t, name)) || t.starts_with("EXPORT_SYMBOL") {
            i += 1;
            continue;
        }
        // The return type may sit on the line(s) before.
        let mut first = i;
        while first > 0 {
            let p = ls[first - 1].text;
            if top_level_start(p) && !p.ends_with(';') && !p.ends_with('/') && !p.contains('(') {
                first -= 1;
            } else {
                break;
            }
        }
        // Scan to the end of the declarator: `;` (prototype) or a `{` line (definition).
        let mut depth = 0i32;
        let mut j = i;
        let mut kind = None;
        while j < ls.len() {
            for c in ls[j].text.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            let t = ls[j].text.trim_end();
            if depth == 0 && t.ends_with(';') {
                kind = Some(DeclKind::Prototype);
                break;
            }
            if depth == 0 && j + 1 < ls.len() && ls[j + 1].text == "{" {
                j += 1;
                kind = Some(DeclKind::Definition);
                break;
            }
            if depth == 0 && t.ends_with('{') && j > i {
                break;
            }
            j += 1;
        }
        let Some(kind) = kind else {
            i += 1;
            continue;
        };
        let mut end_line = j;
        if kind == DeclKind::Definition {
            while end_line < ls.len() && ls[end_line].text != "}" {
                end_line += 1;
            }
            if end_line + 1 < ls.len()
                && ls[end_line + 1].text.starts_with("EXPORT_SYMBOL")
                && names_call(&ls[end_line + 1].text.replace(')', "("), name)
            {
                end_line += 1;
            }
        }
        let end = ls.get(end_line + 1).map_or(src.len(), |l| l.start);
        let head: String = ls[first..=i]
            .iter()
            .map(|l| l.text)
            .collect::<Vec<_>>()
            .join(" ");
        out.push(Decl {
            kind,
            is_static_inline: head.starts_with("static inline"),
            span: ls[first].start..end,
            line: first + 1,
        });
        i = end_line + 1;
    }
    out
}

fn describe(found: &[&Decl], what: &str) -> String {
    match found.len() {
        0 => "nothing".to_string(),
        n => format!(
            "{n} {what}{}, at lines {}",
            match (n, what.ends_with("ch")) {
                (1, _) => "",
                (_, true) => "es",
                _ => "s",
            },
            found
                .iter()
                .map(|d| d.line.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The byte range of the anchor in `src`: a whole definition, prototype or line, or the
/// statement text.
pub(crate) fn find(src: &str, anchor: &Anchor) -> Result<Range<usize>, NotFound> {
    let nf = |found: String| NotFound {
        anchor: anchor.clone(),
        found,
    };
    match anchor {
        Anchor::Include(header) => {
            let line = format!("#include <{header}>\n");
            let hits: Vec<usize> = src
                .match_indices(&line)
                .filter(|(i, _)| *i == 0 || src.as_bytes()[i - 1] == b'\n')
                .map(|(i, _)| i)
                .collect();
            match hits.as_slice() {
                [one] => Ok(*one..*one + line.len()),
                [] => Err(nf("no such line".into())),
                many => Err(nf(format!("{} such lines", many.len()))),
            }
        }
        Anchor::Function(name) | Anchor::Prototype(name) | Anchor::InlineStub(name) => {
            let all = decls(src, name);
            let want: Vec<&Decl> = all
                .iter()
                .filter(|d| match anchor {
                    Anchor::Function(_) => d.kind == DeclKind::Definition && !d.is_static_inline,
                    Anchor::Prototype(_) => d.kind == DeclKind::Prototype,
                    _ => d.kind == DeclKind::Definition && d.is_static_inline,
                })
                .collect();
            match want.as_slice() {
                [one] => Ok(one.span.clone()),
                [] => {
                    let others: Vec<&Decl> = all.iter().collect();
                    Err(nf(if others.is_empty() {
                        format!("no declaration of {name}()")
                    } else {
                        format!(
                            "no such form; other declarations: {}",
                            describe(&others, "declaration")
                        )
                    }))
                }
                many => Err(nf(describe(many, "match"))),
            }
        }
        Anchor::KernelDocParam { item, param } => {
            let head = format!("/**\n * {item} - ");
            let starts: Vec<usize> = src.match_indices(&head).map(|(i, _)| i).collect();
            let start = match starts.as_slice() {
                [one] => *one,
                [] => return Err(nf(format!("no kernel-doc comment for {item}"))),
                many => return Err(nf(format!("{} kernel-doc comments for {item}", many.len()))),
            };
            let end = src[start..].find("*/").map_or(src.len(), |e| start + e);
            let tag = format!(" * @{param}:");
            let mut off = start;
            let mut hits = Vec::new();
            for l in src[start..end].split_inclusive('\n') {
                if l.starts_with(&tag) {
                    // A parameter's text may continue on lines that do not start a new tag.
                    hits.push(off);
                }
                off += l.len();
            }
            let at = match hits.as_slice() {
                [one] => *one,
                [] => return Err(nf(format!("the comment of {item} documents no @{param}"))),
                many => return Err(nf(format!("{} lines documenting @{param}", many.len()))),
            };
            let mut stop = at + src[at..].find('\n').map_or(0, |n| n + 1);
            while stop < end {
                let l = &src[stop..];
                let line_end = l.find('\n').map_or(l.len(), |n| n + 1);
                let line = &l[..line_end];
                // Continued on lines indented with a tab or with spaces.
                let continued = line.starts_with(" *\t") || line.starts_with(" *  ");
                if line.starts_with(" * @") || line.trim() == "*" || !continued {
                    break;
                }
                stop += line_end;
            }
            Ok(at..stop)
        }
        Anchor::Member { strukt, member } => {
            let heads = [format!("struct {strukt} {{"), format!(" {strukt} = {{")];
            let starts: Vec<usize> = src
                .match_indices(&heads[0])
                .filter(|(i, _)| *i == 0 || src.as_bytes()[i - 1] == b'\n')
                .map(|(i, _)| i)
                .chain(
                    src.match_indices(&heads[1])
                        .map(|(i, _)| src[..i].rfind('\n').map_or(0, |n| n + 1)),
                )
                .collect();
            let start = match starts.as_slice() {
                [one] => *one,
                [] => return Err(nf(format!("no definition of struct {strukt}"))),
                many => return Err(nf(format!("{} definitions of struct {strukt}", many.len()))),
            };
            // Up to and including the newline before `};`, so the last member's line
            // ends in its newline like every other.
            let end = src[start..]
                .find("\n};")
                .map(|e| start + e + 1)
                .ok_or_else(|| nf(format!("struct {strukt} has no closing `}};`")))?;
            let mut hits = Vec::new();
            let mut off = src[..start].len();
            for l in src[start..end].split_inclusive('\n') {
                let code = l.split("/*").next().unwrap_or("");
                let init = code
                    .trim_start()
                    .strip_prefix('.')
                    .map(|rest| rest.split(|c: char| !ident_char(c)).next().unwrap_or(""));
                if init == Some(member.as_str()) {
                    hits.push(off..off + l.len());
                    off += l.len();
                    continue;
                }
                let code = code.trim_end().trim_end_matches(';');
                // A bitfield is named before its width (`u32 name:1`).
                let code = match code.rsplit_once(':') {
                    Some((decl, width))
                        if !width.trim().is_empty()
                            && width.trim().bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        decl.trim_end()
                    }
                    _ => code,
                };
                let last = code.rsplit(|c: char| !ident_char(c)).next().unwrap_or("");
                if code
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_alphabetic())
                    && last == member
                {
                    hits.push(off..off + l.len());
                }
                off += l.len();
            }
            match hits.len() {
                1 => Ok(hits.remove(0)),
                0 => Err(nf(format!("struct {strukt} has no member `{member}`"))),
                n => Err(nf(format!("{n} members named `{member}`"))),
            }
        }
        Anchor::Statement { function, text } => {
            let f = find(src, &Anchor::Function(function.clone())).map_err(|e| NotFound {
                anchor: anchor.clone(),
                found: format!("{}: {}", e.anchor, e.found),
            })?;
            let body = &src[f.clone()];
            let hits: Vec<usize> = body.match_indices(text.as_str()).map(|(i, _)| i).collect();
            match hits.as_slice() {
                [one] => Ok(f.start + one..f.start + one + text.len()),
                [] => Err(nf(format!("{function}() does not contain it"))),
                many => Err(nf(format!("{} occurrences in {function}()", many.len()))),
            }
        }
    }
}

/// Where the comment directly above the definition starting at `start` begins (or
/// `start` when there is none).
pub(crate) fn leading_comment_start(src: &str, start: usize) -> usize {
    let before = &src[..start];
    if !before.ends_with("*/\n") {
        return start;
    }
    match before.rfind("\n/*") {
        Some(i) => i + 1,
        None if before.starts_with("/*") => 0,
        None => start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "\
static int foo(int a);

/* comment */
static struct thing *
foo(int a)
{
\treturn bar(a);
}
EXPORT_SYMBOL_GPL(foo);

static inline int baz(void)
{
\treturn 0;
}

struct group {
\tint a;
\tvoid *owner;
\tu32 deferred:1;
};
";

    #[test]
    fn finds_by_structure() {
        let f = find(SRC, &Anchor::Function("foo".into())).unwrap();
        assert!(SRC[f.clone()].starts_with("static struct thing *\nfoo(int a)"));
        assert!(SRC[f].ends_with("EXPORT_SYMBOL_GPL(foo);\n"));
        let p = find(SRC, &Anchor::Prototype("foo".into())).unwrap();
        assert_eq!(&SRC[p], "static int foo(int a);\n");
        let s = find(SRC, &Anchor::InlineStub("baz".into())).unwrap();
        assert!(SRC[s].starts_with("static inline int baz"));
        let m = find(
            SRC,
            &Anchor::Member {
                strukt: "group".into(),
                member: "owner".into(),
            },
        )
        .unwrap();
        assert_eq!(&SRC[m], "\tvoid *owner;\n");
        let b = find(
            SRC,
            &Anchor::Member {
                strukt: "group".into(),
                member: "deferred".into(),
            },
        )
        .unwrap();
        assert_eq!(&SRC[b], "\tu32 deferred:1;\n");
        let st = find(
            SRC,
            &Anchor::Statement {
                function: "foo".into(),
                text: "return bar(a);".into(),
            },
        )
        .unwrap();
        assert_eq!(&SRC[st], "return bar(a);");
    }

    #[test]
    fn missing_and_ambiguous_say_what_was_found() {
        let e = find(SRC, &Anchor::Function("nope".into())).unwrap_err();
        assert_eq!(e.found, "no declaration of nope()");
        let twice = format!("{SRC}\nint foo(int a)\n{{\n}}\n");
        let e = find(&twice, &Anchor::Function("foo".into())).unwrap_err();
        assert!(e.found.starts_with("2 matches"), "{}", e.found);
        let e = find(SRC, &Anchor::Function("baz".into())).unwrap_err();
        assert!(e.found.contains("other declarations"), "{}", e.found);
    }
}
