//! Text -> AST, with syn.
//!
//! A source file holds exactly one `policy! { ... }` or `scenario! { ... }` invocation, so
//! the same text is valid Rust: it can be pasted into Rust code that uses the macros, and
//! editors highlight it. The AST keeps syn's nodes (and their spans) for hook bodies; the
//! checks in `policy.rs` and `scenario.rs` turn it into IR.

use crate::diag::{Code, Issue};
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Token};

/// Which language a source is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Policy,
    Scenario,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Policy => "policy",
            SourceKind::Scenario => "scenario",
        }
    }
}

/// Splits a file into its macro kind and the macro's body tokens.
pub fn split_file(text: &str) -> Result<(SourceKind, TokenStream, Span), Vec<Issue>> {
    let file = syn::parse_file(text).map_err(|e| match delimiter_issue(text) {
        Some(issue) => vec![issue],
        None => Issue::from_syn(e),
    })?;
    let mut found = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Macro(m) => {
                let last = m.mac.path.segments.last().map(|s| s.ident.to_string());
                let kind = match last.as_deref() {
                    Some("policy") => SourceKind::Policy,
                    Some("scenario") => SourceKind::Scenario,
                    _ => {
                        return Err(vec![Issue::new(
                            Code::NotASource,
                            m.mac.path.span(),
                            "expected `policy! { ... }` or `scenario! { ... }`",
                        )
                        .label("unknown macro")
                        .help(
                            "a switchyard file holds one `policy!` or one `scenario!` invocation",
                        )]);
                    }
                };
                if !matches!(m.mac.delimiter, syn::MacroDelimiter::Brace(_)) {
                    return Err(vec![Issue::new(
                        Code::Syntax,
                        m.mac.path.span(),
                        format!("`{}!` takes braces", kind.name()),
                    )
                    .label("here")
                    .help(format!("write `{}! {{ ... }}`", kind.name()))]);
                }
                found.push((kind, m.mac.tokens.clone(), m.mac.path.span()));
            }
            other => {
                return Err(vec![Issue::new(
                    Code::NotASource,
                    other.span(),
                    "only a `policy!` or `scenario!` invocation may appear in a switchyard file",
                )
                .label("not part of the language")
                .help("remove this item; comments may go anywhere")]);
            }
        }
    }
    match found.len() {
        1 => Ok(found.pop().expect("one element")),
        0 => Err(vec![Issue::new(
            Code::NotASource,
            Span::call_site(),
            "this file holds no `policy!` or `scenario!`",
        )
        .label("expected an invocation here")
        .help("start the file with `policy! {` or `scenario! {`")]),
        _ => Err(vec![Issue::new(
            Code::NotASource,
            found[1].2,
            "a switchyard file holds exactly one `policy!` or `scenario!`",
        )
        .label("second invocation")
        .also(found[0].2, "first invocation")
        .help("put each policy or scenario in its own file")]),
    }
}

/// Doc comments (`///`) of an attribute list; any other attribute is an error.
pub fn docs(attrs: &[Attribute], issues: &mut Vec<Issue>) -> Option<(String, Span)> {
    let mut lines = Vec::new();
    let mut span: Option<Span> = None;
    for attr in attrs {
        if attr.path().is_ident("doc") {
            if let syn::Meta::NameValue(nv) = &attr.meta {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    let line = s.value();
                    lines.push(
                        line.strip_prefix(' ')
                            .unwrap_or(&line)
                            .trim_end()
                            .to_string(),
                    );
                    span = Some(span.map_or(attr.span(), |s| s.join(attr.span()).unwrap_or(s)));
                    continue;
                }
            }
        }
        issues.push(
            Issue::new(
                Code::Unsupported,
                attr.span(),
                "attributes other than doc comments are not part of the language",
            )
            .label("unsupported attribute")
            .help("document with `///` comments; remove other attributes"),
        );
    }
    span.map(|s| (lines.join("\n").trim().to_string(), s))
}

/// `key = "value";` (or any other literal / path as value).
pub struct MetaItem {
    pub attrs: Vec<Attribute>,
    pub key: Ident,
    pub value: syn::Expr,
}

/// `on hook(arg, ...) { ... }`
pub struct HookItem {
    pub attrs: Vec<Attribute>,
    pub on: Ident,
    pub name: Ident,
    pub args: Vec<Ident>,
    pub args_span: Span,
    pub body: syn::Block,
}

pub enum PolicyItem {
    Meta(MetaItem),
    Hook(HookItem),
}

pub struct PolicyAst {
    pub items: Vec<PolicyItem>,
    /// Doc comments after the last item (they document nothing).
    pub trailing: Vec<Attribute>,
}

impl Parse for PolicyAst {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        loop {
            let attrs = input.call(Attribute::parse_outer)?;
            if input.is_empty() {
                return Ok(PolicyAst {
                    items,
                    trailing: attrs,
                });
            }
            if input.peek(Ident) && input.fork().parse::<Ident>()? == "on" {
                let on: Ident = input.parse()?;
                let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
                let content;
                let paren = syn::parenthesized!(content in input);
                let args = content.parse_terminated(syn::ext::IdentExt::parse_any, Token![,])?;
                let body: syn::Block = input.parse()?;
                items.push(PolicyItem::Hook(HookItem {
                    attrs,
                    on,
                    name,
                    args: args.into_iter().collect(),
                    args_span: paren.span.join(),
                    body,
                }));
            } else if input.peek(Ident) && input.peek2(Token![=]) {
                items.push(PolicyItem::Meta(parse_meta(input, attrs)?));
            } else {
                return Err(
                    input.error("expected `on HOOK(...) { ... }` or a `key = \"value\";` line")
                );
            }
        }
    }
}

pub fn parse_meta(input: ParseStream, attrs: Vec<Attribute>) -> syn::Result<MetaItem> {
    let key: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let value: syn::Expr = input.parse()?;
    input.parse::<Token![;]>()?;
    Ok(MetaItem { attrs, key, value })
}

/// The string value of a metadata item, or an issue.
pub fn meta_str(item: &MetaItem, issues: &mut Vec<Issue>) -> Option<(String, Span)> {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = &item.value
    {
        return Some((s.value(), s.span()));
    }
    issues.push(
        Issue::new(
            Code::BadValue,
            item.value.span(),
            format!("`{}` takes a string", item.key),
        )
        .label("expected a string literal")
        .help(format!("write `{} = \"...\";`", item.key)),
    );
    None
}

/// Finds an unclosed or mismatched delimiter, which the tokenizer only reports as "cannot
/// parse". Skips comments, strings and character literals.
pub fn delimiter_issue(text: &str) -> Option<Issue> {
    let bytes = text.as_bytes();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    // The first pair whose closer is indented unlike its opener's line: where a closer
    // is most likely missing when something stays open at the end.
    let mut suspicious: Option<(usize, usize)> = None;
    let indent_of = |pos: usize| -> (usize, bool) {
        let start = text[..pos].rfind('\n').map_or(0, |n| n + 1);
        let lead = text[start..pos].len() - text[start..pos].trim_start().len();
        (lead, text[start..pos].trim().is_empty())
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if bytes[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            open @ (b'(' | b'[' | b'{') => stack.push((open, i)),
            close @ (b')' | b']' | b'}') => {
                let want = match close {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match stack.pop() {
                    Some((o, at)) if o == want => {
                        let (close_indent, first_on_line) = indent_of(i);
                        if first_on_line && close_indent != indent_of(at).0 && suspicious.is_none()
                        {
                            suspicious = Some((at, i));
                        }
                    }
                    Some((o, at)) => {
                        let mut issue = Issue::new(
                            Code::Syntax,
                            Span::call_site(),
                            format!(
                                "mismatched `{}`: `{}` is still open",
                                close as char, o as char
                            ),
                        )
                        .label("this closes nothing")
                        .also(Span::call_site(), "this is the open delimiter")
                        .help("balance the braces, brackets and parentheses");
                        issue.bytes = Some(vec![(i, i + 1), (at, at + 1)]);
                        return Some(issue);
                    }
                    None => {
                        let mut issue = Issue::new(
                            Code::Syntax,
                            Span::call_site(),
                            format!("unexpected closing `{}`", close as char),
                        )
                        .label("nothing is open here")
                        .help("remove it, or add the opening delimiter it belongs to");
                        issue.bytes = Some(vec![(i, i + 1)]);
                        return Some(issue);
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    let (open, at) = stack.pop()?;
    if let Some((opener, closer)) = suspicious {
        let mut issue = Issue::new(
            Code::Syntax,
            Span::call_site(),
            format!("`{}` is never closed", bytes[opener] as char),
        )
        .label("this is probably the one left open")
        .also(
            Span::call_site(),
            "this closer is indented like an outer block",
        )
        .help("add the missing closing delimiter before the marked line");
        issue.bytes = Some(vec![(opener, opener + 1), (closer, closer + 1)]);
        return Some(issue);
    }
    let mut issue = Issue::new(
        Code::Syntax,
        Span::call_site(),
        format!("`{}` is never closed", open as char),
    )
    .label("opened here")
    .help("add the closing delimiter; check the blocks above the end of the file");
    issue.bytes = Some(vec![(at, at + 1)]);
    Some(issue)
}
