//! The functions the series adds to iommu.c and their declarations: a hook's function
//! with its rendered body, its wrapper, prototypes, iommu.h declarations and stubs, and
//! the glue that calls them; each placed in the canonical order of generated functions.

use crate::anchor::Anchor;
use crate::c::{self, CStmt, Uses};
use crate::edit::Edit;
use crate::error::SeriesError;
use crate::sites::{self, Entry, Site, IOMMU_C, IOMMU_H};
use crate::templates::{ctx, Templates};

/// Anchors to insert item `name` after: the base anchor, then every item before it.
pub(crate) fn after(
    base: Anchor,
    order: &[String],
    name: &str,
    kind: fn(String) -> Anchor,
) -> Vec<Anchor> {
    let mut v = vec![base];
    for n in order {
        if n == name {
            break;
        }
        v.push(kind(n.clone()));
    }
    v
}

fn ret_type(site: &Site) -> &'static str {
    if site.fallible {
        "int"
    } else {
        "void"
    }
}

/// The hook's function with a body.
pub(crate) fn hook_function(
    t: &Templates,
    site: &Site,
    body: &[CStmt],
    uses: &Uses,
) -> Result<String, SeriesError> {
    let mut decls = Vec::new();
    for (name, decl) in site.locals {
        if uses.params.contains(*name) {
            decls.push(decl.to_string());
        }
    }
    for cursor in &uses.cursors {
        decls.push(format!("struct group_device *{cursor};"));
    }
    let params = site.params(&uses.params);
    // The comment speaks of a device the function does not take as "the device".
    let doc: Vec<String> = site
        .doc
        .lines()
        .map(|l| {
            if params.iter().any(|p| p.1 == "dev") {
                l.to_string()
            } else {
                l.replace("@dev", "the device")
            }
        })
        .collect();
    if uses.ret {
        decls.push("int ret;".to_string());
    }
    let ends_in_return = body.last().is_some_and(CStmt::returns);
    let params: Vec<&str> = params.iter().map(|p| p.0).collect();
    normalise(t.render(
        "functions/hook.c.tera",
        &ctx(&[
            ("doc", &doc),
            ("ret_type", &ret_type(site)),
            ("name", &site.function),
            ("params", &params.join(", ")),
            ("decls", &decls),
            ("body", &c::indent(body, 1)),
            ("returns", &(site.fallible && !ends_in_return)),
        ]),
    )?)
}

/// The edits that give an existing site's function the policy's body: the function, and
/// its wrapper when the function now takes other parameters than before.
pub(crate) fn replace(
    t: &Templates,
    site: &Site,
    body: &[CStmt],
    uses: &Uses,
    before: &Uses,
) -> Result<Vec<Edit>, SeriesError> {
    let mut edits = vec![Edit::ReplaceFunction {
        file: IOMMU_C.into(),
        name: site.function.into(),
        text: hook_function(t, site, body, uses)?,
        comment: true,
    }];
    if site.params(&uses.params) != site.params(&before.params) {
        if let Some(w) = wrapper_function(t, site, uses)? {
            edits.push(Edit::ReplaceFunction {
                file: IOMMU_C.into(),
                name: site.callee().into(),
                text: w,
                comment: true,
            });
        }
    }
    Ok(edits)
}

/// Generated C, broken to 80 columns and ending in exactly one newline.
pub(crate) fn normalise(text: String) -> Result<String, SeriesError> {
    Ok(format!("{}\n", c::fit(&text).trim_end()))
}

/// The wrapper of a site that has one, passing on what the hook's function takes when
/// its body reads `uses`.
fn wrapper_function(
    t: &Templates,
    site: &Site,
    uses: &Uses,
) -> Result<Option<String>, SeriesError> {
    let Entry::Wrapper {
        name,
        global,
        summary,
        param_docs,
        params,
    } = &site.entry
    else {
        return Ok(None);
    };
    let doc: Vec<&str> = site.doc.lines().collect();
    let args: Vec<&str> = site.params(&uses.params).iter().map(|p| p.1).collect();
    t.render(
        "functions/dev_wrapper.c.tera",
        &ctx(&[
            ("name", name),
            ("global", global),
            ("export", &site.exported()),
            ("summary", summary),
            ("param_docs", param_docs),
            ("doc", &doc),
            ("fallible", &site.fallible),
            ("ret_type", &ret_type(site)),
            ("params", params),
            ("args", &args.join(", ")),
            ("inner", &site.function),
            ("group_param", &params.starts_with("struct iommu_group")),
        ]),
    )
    .and_then(normalise)
    .map(Some)
}

pub(crate) const INSERT_BASE: &str = "__iommu_group_alloc_blocking_domain";
const PROTO_BASE: &str = "iommu_setup_default_domain";
const HEADER_BASE: &str = "iommu_device_unuse_default_domain";

/// The edits that add a site's function(s), prototypes, declarations and iommu.c glue.
pub(crate) fn introduce(
    t: &Templates,
    site: &Site,
    body: &[CStmt],
    uses: &Uses,
    order: &[String],
) -> Result<(Vec<Edit>, Vec<Edit>), SeriesError> {
    let mut core = Vec::new();
    let mut callers = Vec::new();
    let f = |name: &str| {
        after(
            Anchor::Function(INSERT_BASE.into()),
            order,
            name,
            Anchor::Function,
        )
    };
    let text = hook_function(t, site, body, uses)?;
    core.push(match site.placed_before() {
        Some(caller) => Edit::InsertBefore {
            file: IOMMU_C.into(),
            function: caller.into(),
            text: format!("{text}\n"),
        },
        None => Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: f(site.function),
            text,
            blank: true,
        },
    });
    if let Some(w) = wrapper_function(t, site, uses)? {
        core.push(Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: f(site.callee()),
            text: w,
            blank: true,
        });
    }
    if site.prototype {
        let params = match &site.entry {
            Entry::Wrapper { params, .. } => params.to_string(),
            Entry::Locked | Entry::LockedReads => site
                .params(&uses.params)
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>()
                .join(", "),
        };
        let decl = format!("{} {}({params})", ret_type(site), site.callee());
        core.push(Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: after(
                Anchor::Prototype(PROTO_BASE.into()),
                order,
                site.callee(),
                Anchor::Prototype,
            ),
            text: normalise(t.render("glue/prototype.c.tera", &ctx(&[("decl", &decl)]))?)?,
            blank: false,
        });
    }
    if let Entry::Wrapper {
        name,
        global: true,
        params,
        ..
    } = &site.entry
    {
        let decl = format!("{} {name}({params})", ret_type(site));
        let ord: Vec<String> = order
            .iter()
            .filter(|n| !n.starts_with("__"))
            .cloned()
            .collect();
        core.push(Edit::InsertAfter {
            file: IOMMU_H.into(),
            after: after(
                Anchor::Prototype(HEADER_BASE.into()),
                &ord,
                name,
                Anchor::Prototype,
            ),
            text: normalise(t.render("glue/header_decl.h.tera", &ctx(&[("decl", &decl)]))?)?,
            blank: false,
        });
        core.push(Edit::InsertAfter {
            file: IOMMU_H.into(),
            after: after(
                Anchor::InlineStub(HEADER_BASE.into()),
                &ord,
                name,
                Anchor::InlineStub,
            ),
            text: format!(
                "\n{}",
                normalise(t.render(
                    "glue/header_stub.h.tera",
                    &ctx(&[("decl", &decl), ("fallible", &site.fallible)]),
                )?)?
            ),
            blank: false,
        });
    }
    for g in &site.glue {
        let mut c = tera::Context::new();
        c.insert("fn", site.callee());
        let args: Vec<&str> = site.params(&uses.params).iter().map(|p| p.1).collect();
        c.insert("args", &args.join(", "));
        if let Some(constant) = sites::notify_constant(site.hook) {
            c.insert("action", constant);
        }
        let edit = Edit::ReplaceStatement {
            file: g.file.into(),
            function: g.function.into(),
            old: g.old.into(),
            new: c::fit(&t.render(g.template, &c)?),
        };
        if g.file == IOMMU_C {
            core.push(edit);
        } else {
            callers.push(edit);
        }
    }
    Ok((core, callers))
}
