//! `gen series`: a policy as an RFC patch series for Linux 6.12.
//!
//! The series is planned from the policy's changed hooks (`Policy::changed_hooks()`):
//!
//! 1. preparatory patches for what the C needs and 6.12 lacks (a locked variant of the
//!    default-domain use count, a driver flag, ...), each with its own subsystem prefix;
//! 2. "no functional change" patches that move each changed hook's 6.12 decision into a
//!    function of its own, rendered from `status-quo`'s body, and make the callers (PCI,
//!    platform, AMBA, ...) use it;
//! 3. the policy's patch, which renders the same functions from the policy's bodies, so
//!    its diff is exactly the behaviour the policy changes; its commit message is the
//!    policy's doc and metadata;
//! 4. callers of hooks 6.12 does not have at all (the VFIO MSI-cookie hook), last.
//!
//! Every file is read from the kernel tree at the base revision with git2, every place is
//! found by structure ([`anchor`]), and the whole series is built in memory before
//! anything is written: a missing or ambiguous anchor is an error naming the file, the
//! anchor and what was found, and leaves the output directory untouched.
//!
//! The C rendering of each construct is in [`c`]; where each hook lives is in [`sites`];
//! the text templates are under `kernel-templates/linux-6.12/`.

pub mod anchor;
pub mod c;
mod patch;
pub mod sites;

use anchor::Anchor;
use c::{CStmt, Ctx};
use sites::{Entry, Site, Subsystem, IOMMU_C, IOMMU_H};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use switchyard_dsl::ir::{HookImpl, Policy};
use switchyard_dsl::vocab::Hook;

pub use patch::{Identity, Series, SeriesPatch};

/// The kernel base the templates are written for.
pub const BASE: &str = "linux-6.12";

/// Something the generated C relies on beyond the hook functions themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// `__iommu_device_use_default_domain()`: the use count with group->mutex held.
    LockedDefaultDomainUse,
    /// `iommu_group_bound_count()`.
    BoundCountHelper,
    /// `iommu_device_msi_live()`.
    MsiLiveHelper,
    /// `struct device_driver::irq_only`, set by the PCIe port driver.
    DriverIrqOnly,
    /// The parking domain: an empty DMA API domain with `forbid_ats` set, which
    /// arm-smmu-v3 honours, and whose IOVA space is set up for MSI doorbells.
    ParkingDomain,
    /// `iommu_setup_dma_ops()` against the default domain: a group may be attached to
    /// another domain when its devices' DMA ops are set up.
    DmaOpsFromDefaultDomain,
    /// `iommu_group_replace_default_domain()`: a new default domain, not attached.
    ReplaceDefaultDomain,
}

/// Why a series could not be generated. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SeriesError {
    #[error("policy `{policy}` changes nothing relative to status-quo: there is no C to write")]
    #[diagnostic(
        code(switchyard::series::no_change),
        help("a series needs a policy that defines at least one hook differently")
    )]
    NoChange { policy: String },
    #[error("policy `{policy}` changes hook `{hook}`, which has no place in {BASE}: {reason}")]
    #[diagnostic(code(switchyard::series::no_site))]
    NoSite {
        policy: String,
        hook: String,
        reason: String,
    },
    #[error(
        "policy `{policy}`, hook `{hook}`: `{construct}` has no C rendering on {BASE}: {reason}"
    )]
    #[diagnostic(
        code(switchyard::series::not_expressible),
        help("the model can still check this policy; the C needs a kernel capability first")
    )]
    NotExpressible {
        policy: String,
        hook: String,
        construct: String,
        reason: String,
    },
    #[error("{file}: cannot find the {anchor} (found {found})")]
    #[diagnostic(
        code(switchyard::series::anchor),
        help("the tree at the base revision differs from {BASE} here; nothing was written")
    )]
    Anchor {
        file: String,
        anchor: String,
        found: String,
    },
    #[error("cannot read {path} from the kernel tree: {message}")]
    #[diagnostic(code(switchyard::series::tree))]
    Tree { path: String, message: String },
    #[error("template {name}: {message}")]
    #[diagnostic(code(switchyard::series::template))]
    Template { name: String, message: String },
    #[error("git error while {action}: {message}")]
    #[diagnostic(code(switchyard::series::git))]
    Git { action: String, message: String },
    #[error("cannot write {}: {source}", path.display())]
    #[diagnostic(code(switchyard::series::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no author identity: {0}")]
    #[diagnostic(
        code(switchyard::series::identity),
        help("set user.name and user.email in git config, or pass --from \"Name <email>\"")
    )]
    Identity(String),
    #[error("{} holds no series to compare with: {reason}", dir.display())]
    #[diagnostic(code(switchyard::series::range_diff))]
    PreviousSeries { dir: PathBuf, reason: String },
}

/// How to write the series.
#[derive(Debug, Clone)]
pub struct Options {
    /// `-v N`: the series' version (none: `[PATCH RFC k/n]`).
    pub version: Option<u32>,
    /// Add `Signed-off-by:` with the author's identity.
    pub signoff: bool,
    /// The author.
    pub from: Identity,
    /// The author date, seconds since the epoch; default: now.
    pub date: Option<i64>,
    /// The previous version's directory, for the cover letter's changes and change-id.
    pub range_diff: Option<PathBuf>,
    /// The model's verdict table, for the cover letter.
    pub verdicts: Option<String>,
}

/// The kernel tree at the base revision, as the series sees it: its files, and commits
/// made in memory for the ids of the patches. The harness's git tree implements it.
pub trait BaseTree {
    /// The file at the base revision.
    fn read(&self, path: &str) -> Result<String, SeriesError>;
    /// Commits each patch's files on top of `base` without touching the tree (objects in
    /// memory only) and returns the commit ids, as `From <id>` lines need them.
    fn commit_chain(
        &self,
        base: &str,
        files: &[Vec<(String, String)>],
        messages: &[String],
        who: &Identity,
        time: i64,
    ) -> Result<Vec<String>, SeriesError>;
}

/// One edit, applied to the current text of a file.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the whole function (with its EXPORT line, and with the comment above it
    /// when `comment` is set: the new text then brings its own).
    ReplaceFunction {
        file: String,
        name: String,
        text: String,
        comment: bool,
    },
    /// Replace a statement inside a function.
    ReplaceStatement {
        file: String,
        function: String,
        old: String,
        new: String,
    },
    /// Insert after the last of `after` that exists (the first must exist); a blank line
    /// separates functions.
    InsertAfter {
        file: String,
        after: Vec<Anchor>,
        text: String,
        blank: bool,
    },
    /// Insert before the comment that precedes a function.
    InsertBefore {
        file: String,
        function: String,
        text: String,
    },
}

/// A patch before it is diffed.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub subject: String,
    pub body: String,
    pub trailers: Vec<String>,
    edits: Vec<Edit>,
}

pub(crate) struct Templates(tera::Tera);

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../kernel-templates/linux-6.12/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "functions/hook.c.tera",
    "functions/dev_wrapper.c.tera",
    "helpers/bound_count.c.tera",
    "helpers/msi_live.c.tera",
    "prep/locked.c.tera",
    "prep/use.c.tera",
    "prep/unuse.c.tera",
    "prep/driver_irq_only.h.tera",
    "prep/driver_irq_only_doc.h.tera",
    "prep/portdrv_irq_only.c.tera",
    "prep/dma_ops_default.c.tera",
    "prep/forbid_ats.h.tera",
    "prep/smmu_ats_forbidden.c.tera",
    "prep/smmu_attach_prepare.c.tera",
    "prep/dma_init_domain.c.tera",
    "prep/dma_init_domain.h.tera",
    "prep/dma_init_domain_stub.h.tera",
    "helpers/parking_domain.c.tera",
    "helpers/replace_default.c.tera",
    "helpers/domain_member.c.tera",
    "helpers/domain_free.c.tera",
    "helpers/replaced_leave.c.tera",
    "glue/first_attach.c.tera",
    "glue/take_ownership.c.tera",
    "glue/release_ownership.c.tera",
    "glue/core_domain.c.tera",
    "glue/bus_notifier.c.tera",
    "glue/pci_dma_configure.c.tera",
    "glue/pci_dma_cleanup.c.tera",
    "glue/platform_dma_configure.c.tera",
    "glue/platform_dma_cleanup.c.tera",
    "glue/amba_dma_configure.c.tera",
    "glue/amba_dma_cleanup.c.tera",
    "glue/vfio_msi_cookie.c.tera",
    "glue/store_type.c.tera",
    "glue/header_decl.h.tera",
    "glue/header_stub.h.tera",
    "glue/prototype.c.tera",
    "commit/locked_use.txt.tera",
    "commit/irq_only_flag.txt.tera",
    "commit/portdrv_irq_only.txt.tera",
    "commit/dma_ops_default.txt.tera",
    "commit/forbid_ats.txt.tera",
    "commit/smmu_forbid_ats.txt.tera",
    "commit/dma_init_domain.txt.tera",
    "commit/helper_parking.txt.tera",
    "commit/helper_replace_default.txt.tera",
    "commit/nfc_iommu.txt.tera",
    "commit/nfc_caller.txt.tera",
    "commit/policy.txt.tera",
    "commit/new_caller.txt.tera",
    "cover-letter.txt.tera",
];

impl Templates {
    pub(crate) fn load() -> Result<Templates, SeriesError> {
        let mut t = tera::Tera::default();
        t.autoescape_on(vec![]);
        t.register_filter(
            "wrap",
            |v: &tera::Value, args: &std::collections::HashMap<String, tera::Value>| {
                let s = tera::try_get_value!("wrap", "value", String, v);
                let hang = args.get("hang").and_then(tera::Value::as_u64).unwrap_or(0);
                Ok(tera::Value::String(patch::wrap_hanging(
                    &s,
                    72,
                    hang as usize,
                )))
            },
        );
        t.add_raw_templates(TEMPLATES.iter().copied())
            .map_err(|e| SeriesError::Template {
                name: "kernel-templates".into(),
                message: tera_message(&e),
            })?;
        Ok(Templates(t))
    }

    pub(crate) fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, SeriesError> {
        self.0.render(name, ctx).map_err(|e| SeriesError::Template {
            name: name.to_string(),
            message: tera_message(&e),
        })
    }
}

fn tera_message(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// A hook rendered twice: as status-quo writes it and as the policy does.
struct Rendered {
    site: Site,
    old: Vec<CStmt>,
    old_uses: c::Uses,
    new: Vec<CStmt>,
    new_uses: c::Uses,
}

fn render_hook(
    policy: &Policy,
    site: &Site,
    imp: &HookImpl,
) -> Result<(Vec<CStmt>, c::Uses), SeriesError> {
    let mut ctx = Ctx::new(imp, site.fallible, site.first_attach, site.facts);
    let body = ctx.body(imp).map_err(|u| SeriesError::NotExpressible {
        policy: policy.name.clone(),
        hook: imp.hook.id(),
        construct: u.construct,
        reason: u.reason,
    })?;
    Ok((body, ctx.uses))
}

/// Whether `policy` has a series on 6.12 at all: it changes C, every changed hook has a
/// site, and every construct in their bodies has a C rendering. Needs no kernel tree, so
/// callers can refuse a policy before importing or reading one.
pub fn expressible(policy: &Policy) -> Result<(), SeriesError> {
    let status_quo = load_status_quo()?;
    render_all(policy, &status_quo).map(drop)
}

fn load_status_quo() -> Result<Policy, SeriesError> {
    switchyard_dsl::load_policy("status-quo").map_err(|e| SeriesError::Template {
        name: "status-quo".into(),
        message: e.to_string(),
    })
}

/// Every hook `policy` changes, rendered as status-quo writes it and as the policy does.
fn render_all(policy: &Policy, status_quo: &Policy) -> Result<Vec<Rendered>, SeriesError> {
    let changed = policy.changed_hooks();
    if changed.is_empty() {
        return Err(SeriesError::NoChange {
            policy: policy.name.clone(),
        });
    }
    let mut rendered = Vec::new();
    for hook in changed {
        let site = sites::site(hook).ok_or_else(|| SeriesError::NoSite {
            policy: policy.name.clone(),
            hook: hook.id(),
            reason: sites::unsupported_hook(hook).to_string(),
        })?;
        let (new, new_uses) = render_hook(policy, &site, policy.hook(hook))?;
        let (old, old_uses) = render_hook(status_quo, &site, status_quo.hook(hook))?;
        rendered.push(Rendered {
            site,
            old,
            old_uses,
            new,
            new_uses,
        });
    }
    Ok(rendered)
}

/// Plans and renders the series of `policy` against the files of `tree`.
pub fn generate(
    policy: &Policy,
    tree: &dyn BaseTree,
    base_commit: &str,
    opts: &Options,
) -> Result<Series, SeriesError> {
    let status_quo = load_status_quo()?;
    let rendered = render_all(policy, &status_quo)?;
    let t = Templates::load()?;
    let plan = plan(policy, &rendered, &t)?;
    let patches = apply(tree, &plan)?;
    patch::series(policy, patches, tree, base_commit, opts, &t)
}

/// The canonical order of generated functions in iommu.c, so each patch inserts in place.
fn canonical(rendered: &[Rendered]) -> Vec<String> {
    let mut v = vec![
        "iommu_group_bound_count".to_string(),
        "iommu_device_msi_live".to_string(),
        "__iommu_group_alloc_parking_domain".to_string(),
        "iommu_group_replace_default_domain".to_string(),
    ];
    let mut sites: Vec<&Site> = rendered.iter().map(|r| &r.site).collect();
    sites.sort_by_key(|s| Hook::all().iter().position(|h| *h == s.hook));
    for s in sites {
        v.push(s.function.to_string());
        if let Entry::Wrapper { name, .. } = &s.entry {
            v.push(name.to_string());
        }
    }
    v
}

/// Anchors to insert item `name` after: the base anchor, then every item before it.
fn after(base: Anchor, order: &[String], name: &str, kind: fn(String) -> Anchor) -> Vec<Anchor> {
    let mut v = vec![base];
    for n in order {
        if n == name {
            break;
        }
        v.push(kind(n.clone()));
    }
    v
}

fn ctx(pairs: &[(&str, &dyn erased::Value)]) -> tera::Context {
    let mut c = tera::Context::new();
    for (k, v) in pairs {
        v.insert(&mut c, k);
    }
    c
}

mod erased {
    /// A value a tera context can hold, for the small `ctx()` builder.
    pub trait Value {
        fn insert(&self, c: &mut tera::Context, key: &str);
    }
    impl<T: serde::Serialize> Value for T {
        fn insert(&self, c: &mut tera::Context, key: &str) {
            c.insert(key, self);
        }
    }
}

fn ret_type(site: &Site) -> &'static str {
    if site.fallible {
        "int"
    } else {
        "void"
    }
}

/// The hook's function with a body.
fn hook_function(
    t: &Templates,
    site: &Site,
    body: &[CStmt],
    uses: &c::Uses,
) -> Result<String, SeriesError> {
    let mut decls = Vec::new();
    if site.hook == Hook::Probe && uses.params.contains("dev") {
        decls.push("struct device *dev = iommu_group_first_dev(group);".to_string());
    }
    for cursor in &uses.cursors {
        decls.push(format!("struct group_device *{cursor};"));
    }
    let doc: Vec<&str> = site.doc.lines().collect();
    let mut body = body.to_vec();
    // `ret = f(); if (ret) return ret; return 0;` is `return f();`.
    if site.fallible {
        if let Some(last) = body.last() {
            let l = &last.0;
            if l.len() >= 3
                && l[l.len() - 2] == "if (ret)"
                && l[l.len() - 1] == "\treturn ret;"
                && l[0].starts_with("ret = ")
            {
                let call = l[..l.len() - 2].join(" ");
                let call = call.trim_start_matches("ret = ").to_string();
                *body.last_mut().expect("non-empty") = CStmt(vec![format!("return {call}")]);
            }
        }
    }
    // Declared only if still read once the last call became `return f();`.
    let reads_ret = body.iter().flat_map(|s| &s.0).any(|l| {
        l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == "ret")
    });
    if uses.ret && reads_ret {
        decls.push("int ret;".to_string());
    }
    let body = &body[..];
    let ends_in_return = body
        .last()
        .is_some_and(|s| s.0.len() == 1 && s.0[0].starts_with("return"));
    normalise(t.render(
        "functions/hook.c.tera",
        &ctx(&[
            ("doc", &doc),
            ("ret_type", &ret_type(site)),
            ("name", &site.function),
            ("params", &site.params),
            ("decls", &decls),
            ("body", &c::indent(body, 1)),
            ("returns", &(site.fallible && !ends_in_return)),
        ]),
    )?)
}

/// Generated C, broken to 80 columns and ending in exactly one newline.
fn normalise(text: String) -> Result<String, SeriesError> {
    Ok(format!("{}\n", c::fit(&text).trim_end()))
}

fn wrapper_function(t: &Templates, site: &Site) -> Result<Option<String>, SeriesError> {
    let Entry::Wrapper {
        name,
        export,
        summary,
        param_docs,
        params,
        args,
    } = &site.entry
    else {
        return Ok(None);
    };
    let doc: Vec<&str> = site.doc.lines().collect();
    t.render(
        "functions/dev_wrapper.c.tera",
        &ctx(&[
            ("name", name),
            ("export", export),
            ("summary", summary),
            ("param_docs", param_docs),
            ("doc", &doc),
            ("fallible", &site.fallible),
            ("ret_type", &ret_type(site)),
            ("params", params),
            ("args", args),
            ("inner", &site.function),
            ("group_param", &params.starts_with("struct iommu_group")),
        ]),
    )
    .and_then(normalise)
    .map(Some)
}

fn helper(need: Need) -> Option<(&'static str, &'static str)> {
    match need {
        Need::BoundCountHelper => Some(("iommu_group_bound_count", "helpers/bound_count.c.tera")),
        Need::MsiLiveHelper => Some(("iommu_device_msi_live", "helpers/msi_live.c.tera")),
        Need::ParkingDomain => Some((
            "__iommu_group_alloc_parking_domain",
            "helpers/parking_domain.c.tera",
        )),
        Need::ReplaceDefaultDomain => Some((
            "iommu_group_replace_default_domain",
            "helpers/replace_default.c.tera",
        )),
        _ => None,
    }
}

/// The commit-message paragraph of a helper that adds state to struct iommu_group.
fn helper_note(need: Need) -> Option<&'static str> {
    match need {
        Need::ParkingDomain => Some("commit/helper_parking.txt.tera"),
        Need::ReplaceDefaultDomain => Some("commit/helper_replace_default.txt.tera"),
        _ => None,
    }
}

/// The domains struct iommu_group holds beyond 6.12's, in member order.
const GROUP_DOMAINS: &[(Need, &str)] = &[
    (Need::ParkingDomain, "parking_domain"),
    (Need::ReplaceDefaultDomain, "replaced_domain"),
];

/// What a helper adds besides its function: the group's member for the domain it keeps,
/// freed with the group's other domains in iommu_deinit_device(), and, for a replaced
/// default domain, freed as soon as the group leaves it.
fn helper_state(t: &Templates, need: Need) -> Result<Vec<Edit>, SeriesError> {
    let Some(at) = GROUP_DOMAINS.iter().position(|(n, _)| *n == need) else {
        return Ok(Vec::new());
    };
    let name = |n: &str| ctx(&[("name", &n)]);
    // 6.12's blocking domain, then the ones before this one.
    let before: Vec<&str> = std::iter::once("blocking_domain")
        .chain(GROUP_DOMAINS[..at].iter().map(|d| d.1))
        .collect();
    let mut frees = Vec::new();
    for m in &before {
        frees.push(Anchor::Statement {
            function: "iommu_deinit_device".into(),
            text: t.render("helpers/domain_free.c.tera", &name(m))?,
        });
    }
    let member = GROUP_DOMAINS[at].1;
    let mut edits = vec![
        Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: before
                .iter()
                .map(|m| Anchor::Member {
                    strukt: "iommu_group".into(),
                    member: m.to_string(),
                })
                .collect(),
            text: t.render("helpers/domain_member.c.tera", &name(member))?,
            blank: false,
        },
        Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: frees,
            text: t.render("helpers/domain_free.c.tera", &name(member))?,
            blank: false,
        },
    ];
    if need == Need::ReplaceDefaultDomain {
        edits.push(Edit::ReplaceStatement {
            file: IOMMU_C.into(),
            function: "__iommu_group_set_domain_internal".into(),
            old: "\tgroup->domain = new_domain;\n\treturn result;\n".into(),
            new: t.render("helpers/replaced_leave.c.tera", &tera::Context::new())?,
        });
    }
    Ok(edits)
}

const INSERT_BASE: &str = "__iommu_group_alloc_blocking_domain";
const PROTO_BASE: &str = "iommu_setup_default_domain";
const HEADER_BASE: &str = "iommu_device_unuse_default_domain";

/// The edits that add a site's function(s), prototypes, declarations and iommu.c glue.
fn introduce(
    t: &Templates,
    site: &Site,
    body: &[CStmt],
    uses: &c::Uses,
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
    core.push(Edit::InsertAfter {
        file: IOMMU_C.into(),
        after: f(site.function),
        text: hook_function(t, site, body, uses)?,
        blank: true,
    });
    if let Some(w) = wrapper_function(t, site)? {
        core.push(Edit::InsertAfter {
            file: IOMMU_C.into(),
            after: f(site.callee()),
            text: w,
            blank: true,
        });
    }
    if site.prototype {
        let decl = format!(
            "{} {}({})",
            ret_type(site),
            site.callee(),
            match &site.entry {
                Entry::Wrapper { params, .. } => params,
                Entry::Locked => &site.params,
            }
        );
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
        export: true,
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
        if let Some(constant) = sites::notify_constant(site.hook) {
            c.insert("action", constant);
        }
        let edit = Edit::ReplaceStatement {
            file: g.file.into(),
            function: g.function.into(),
            old: g.old.into(),
            new: t.render(g.template, &c)?,
        };
        if g.file == IOMMU_C {
            core.push(edit);
        } else {
            callers.push(edit);
        }
    }
    Ok((core, callers))
}

fn helper_edits(
    t: &Templates,
    needs: &BTreeSet<Need>,
    have: &mut BTreeSet<Need>,
    order: &[String],
) -> Result<Vec<Edit>, SeriesError> {
    let mut edits = Vec::new();
    for need in needs {
        if let Some((name, template)) = helper(*need) {
            if have.insert(*need) {
                edits.push(Edit::InsertAfter {
                    file: IOMMU_C.into(),
                    after: after(
                        Anchor::Function(INSERT_BASE.into()),
                        order,
                        name,
                        Anchor::Function,
                    ),
                    text: normalise(t.render(template, &tera::Context::new())?)?,
                    blank: true,
                });
                edits.extend(helper_state(t, *need)?);
            }
        }
    }
    Ok(edits)
}

fn names(sites: &[&Site]) -> Vec<String> {
    sites.iter().map(|s| format!("{}()", s.function)).collect()
}

fn hooks_doc(sites: &[&Site]) -> Vec<BTreeMap<&'static str, String>> {
    sites
        .iter()
        .map(|s| {
            let mut m = BTreeMap::new();
            m.insert("hook", s.hook.id());
            m.insert("function", format!("{}()", s.function));
            m.insert("callee", format!("{}()", s.callee()));
            m.insert("kernel", s.hook.spec().kernel.to_string());
            m.insert(
                "glue",
                s.glue
                    .iter()
                    .map(|g| format!("{}()", g.function))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            m
        })
        .collect()
}

/// The patches, in order, with their edits.
fn plan(
    policy: &Policy,
    rendered: &[Rendered],
    t: &Templates,
) -> Result<Vec<Planned>, SeriesError> {
    let order = canonical(rendered);
    let mut needs: BTreeSet<Need> = BTreeSet::new();
    for r in rendered {
        needs.extend(r.old_uses.needs.iter().copied());
        needs.extend(r.new_uses.needs.iter().copied());
    }
    let mut out = Vec::new();
    let commit = |name: &str, c: &tera::Context| -> Result<(String, String), SeriesError> {
        let text = t.render(name, c)?;
        let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
        Ok((subject.trim().to_string(), body.trim().to_string()))
    };

    if needs.contains(&Need::LockedDefaultDomainUse) {
        let (subject, body) = commit("commit/locked_use.txt.tera", &tera::Context::new())?;
        out.push(Planned {
            subject,
            body,
            trailers: Vec::new(),
            edits: vec![
                Edit::InsertBefore {
                    file: IOMMU_C.into(),
                    function: "iommu_device_use_default_domain".into(),
                    text: t.render("prep/locked.c.tera", &tera::Context::new())?,
                },
                Edit::ReplaceFunction {
                    file: IOMMU_C.into(),
                    name: "iommu_device_use_default_domain".into(),
                    text: t.render("prep/use.c.tera", &tera::Context::new())?,
                    comment: false,
                },
                Edit::ReplaceFunction {
                    file: IOMMU_C.into(),
                    name: "iommu_device_unuse_default_domain".into(),
                    text: t.render("prep/unuse.c.tera", &tera::Context::new())?,
                    comment: false,
                },
            ],
        });
    }
    if needs.contains(&Need::DriverIrqOnly) {
        let (subject, body) = commit("commit/irq_only_flag.txt.tera", &tera::Context::new())?;
        let h = "include/linux/device/driver.h";
        out.push(Planned {
            subject,
            body,
            trailers: Vec::new(),
            edits: vec![
                Edit::InsertAfter {
                    file: h.into(),
                    after: vec![Anchor::KernelDocParam {
                        item: "struct device_driver".into(),
                        param: "probe_type".into(),
                    }],
                    text: t.render("prep/driver_irq_only_doc.h.tera", &tera::Context::new())?,
                    blank: false,
                },
                Edit::InsertAfter {
                    file: h.into(),
                    after: vec![Anchor::Member {
                        strukt: "device_driver".into(),
                        member: "probe_type".into(),
                    }],
                    text: t.render("prep/driver_irq_only.h.tera", &tera::Context::new())?,
                    blank: false,
                },
            ],
        });
        let (subject, body) = commit("commit/portdrv_irq_only.txt.tera", &tera::Context::new())?;
        out.push(Planned {
            subject,
            body,
            trailers: Vec::new(),
            edits: vec![Edit::InsertAfter {
                file: "drivers/pci/pcie/portdrv.c".into(),
                after: vec![Anchor::Member {
                    strukt: "pcie_portdriver".into(),
                    member: "driver_managed_dma".into(),
                }],
                text: t.render("prep/portdrv_irq_only.c.tera", &tera::Context::new())?,
                blank: false,
            }],
        });
    }

    if needs.contains(&Need::DmaOpsFromDefaultDomain) {
        let (subject, body) = commit("commit/dma_ops_default.txt.tera", &tera::Context::new())?;
        out.push(Planned {
            subject,
            body,
            trailers: Vec::new(),
            edits: vec![Edit::ReplaceStatement {
                file: DMA_IOMMU_C.into(),
                function: "iommu_setup_dma_ops".into(),
                old: "\tstruct iommu_domain *domain = iommu_get_domain_for_dev(dev);\n".into(),
                new: t.render("prep/dma_ops_default.c.tera", &tera::Context::new())?,
            }],
        });
    }
    if needs.contains(&Need::ParkingDomain) {
        out.extend(parking_preps(t)?);
    }

    // No functional change: each hook with a 6.12 decision gets its function.
    let mut have: BTreeSet<Need> = BTreeSet::new();
    let existing: Vec<&Rendered> = rendered.iter().filter(|r| !r.old.is_empty()).collect();
    if !existing.is_empty() {
        let mut edits = Vec::new();
        for r in &existing {
            edits.extend(helper_edits(t, &r.old_uses.needs, &mut have, &order)?);
        }
        let mut caller_edits = CallerEdits::new();
        for r in &existing {
            let (core, callers) = introduce(t, &r.site, &r.old, &r.old_uses, &order)?;
            edits.extend(core);
            add_callers(&mut caller_edits, &r.site, callers);
        }
        let sites: Vec<&Site> = existing.iter().map(|r| &r.site).collect();
        let mut c = tera::Context::new();
        c.insert("functions", &names(&sites));
        c.insert("hooks", &hooks_doc(&sites));
        let (subject, body) = commit("commit/nfc_iommu.txt.tera", &c)?;
        out.push(Planned {
            subject,
            body,
            trailers: Vec::new(),
            edits,
        });
        for (file, (sites, edits)) in caller_edits {
            out.push(caller_patch(
                t,
                &file,
                &sites,
                edits,
                "commit/nfc_caller.txt.tera",
            )?);
        }
    }

    // The policy: the same functions with its bodies, and the hooks 6.12 lacks.
    let mut edits = Vec::new();
    let had = have.clone();
    for r in rendered {
        edits.extend(helper_edits(t, &r.new_uses.needs, &mut have, &order)?);
    }
    let mut adds = Vec::new();
    for need in have.difference(&had) {
        if let Some(note) = helper_note(*need) {
            adds.push(t.render(note, &tera::Context::new())?.trim().to_string());
        }
    }
    let mut late = CallerEdits::new();
    for r in rendered {
        if r.old.is_empty() {
            let (core, callers) = introduce(t, &r.site, &r.new, &r.new_uses, &order)?;
            edits.extend(core);
            add_callers(&mut late, &r.site, callers);
        } else {
            edits.push(Edit::ReplaceFunction {
                file: IOMMU_C.into(),
                name: r.site.function.into(),
                text: hook_function(t, &r.site, &r.new, &r.new_uses)?,
                comment: true,
            });
        }
    }
    let sites: Vec<&Site> = rendered.iter().map(|r| &r.site).collect();
    let mut c = tera::Context::new();
    c.insert("doc", &patch::commit_paragraphs(&policy.doc));
    c.insert("subject", &policy_subject(policy));
    c.insert("hooks", &hooks_doc(&sites));
    c.insert("adds", &adds);
    c.insert(
        "new_hooks",
        &hooks_doc(
            &rendered
                .iter()
                .filter(|r| r.old.is_empty())
                .map(|r| &r.site)
                .collect::<Vec<_>>(),
        ),
    );
    let (subject, body) = commit("commit/policy.txt.tera", &c)?;
    let mut trailers: Vec<String> = policy
        .meta
        .suggested_by
        .iter()
        .map(|s| format!("Suggested-by: {s}"))
        .collect();
    trailers.extend(
        policy
            .meta
            .links
            .iter()
            .filter(|l| !obsolete_archive(l))
            .map(|l| format!("Link: {l}")),
    );
    trailers.extend(policy.meta.cc.iter().map(|c| format!("Cc: {c}")));
    out.push(Planned {
        subject,
        body,
        trailers,
        edits,
    });
    for (file, (sites, edits)) in late {
        out.push(caller_patch(
            t,
            &file,
            &sites,
            edits,
            "commit/new_caller.txt.tera",
        )?);
    }
    Ok(out)
}

const DMA_IOMMU_C: &str = "drivers/iommu/dma-iommu.c";

/// What the parking domain needs before the policy can allocate it: the domain attribute
/// that keeps ATS off, arm-smmu-v3 honouring it, and the IOVA space of a DMA API domain
/// that is not a default domain.
fn parking_preps(t: &Templates) -> Result<Vec<Planned>, SeriesError> {
    let none = tera::Context::new();
    let commit = |name: &str| -> Result<(String, String), SeriesError> {
        let text = t.render(name, &none)?;
        let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
        Ok((subject.trim().to_string(), body.trim().to_string()))
    };
    let smmu = "drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c";
    let dma_h = "drivers/iommu/dma-iommu.h";
    let patch = |(subject, body): (String, String), edits: Vec<Edit>| Planned {
        subject,
        body,
        trailers: Vec::new(),
        edits,
    };
    Ok(vec![
        patch(
            commit("commit/forbid_ats.txt.tera")?,
            vec![Edit::InsertAfter {
                file: IOMMU_H.into(),
                after: vec![Anchor::Member {
                    strukt: "iommu_domain".into(),
                    member: "type".into(),
                }],
                text: t.render("prep/forbid_ats.h.tera", &none)?,
                blank: false,
            }],
        ),
        patch(
            commit("commit/smmu_forbid_ats.txt.tera")?,
            vec![
                Edit::InsertBefore {
                    file: smmu.into(),
                    function: "arm_smmu_attach_prepare".into(),
                    text: t.render("prep/smmu_ats_forbidden.c.tera", &none)?,
                },
                Edit::ReplaceStatement {
                    file: smmu.into(),
                    function: "arm_smmu_attach_prepare".into(),
                    old: "\t\tstate->ats_enabled = arm_smmu_ats_supported(master);\n".into(),
                    new: t.render("prep/smmu_attach_prepare.c.tera", &none)?,
                },
            ],
        ),
        patch(
            commit("commit/dma_init_domain.txt.tera")?,
            vec![
                Edit::ReplaceStatement {
                    file: DMA_IOMMU_C.into(),
                    function: "iommu_dma_init_domain".into(),
                    old: "static int iommu_dma_init_domain(".into(),
                    new: t.render("prep/dma_init_domain.c.tera", &none)?,
                },
                Edit::InsertAfter {
                    file: dma_h.into(),
                    after: vec![Anchor::Prototype("iommu_dma_init_fq".into())],
                    text: t.render("prep/dma_init_domain.h.tera", &none)?,
                    blank: false,
                },
                Edit::InsertAfter {
                    file: dma_h.into(),
                    after: vec![Anchor::InlineStub("iommu_dma_init_fq".into())],
                    text: t.render("prep/dma_init_domain_stub.h.tera", &none)?,
                    blank: false,
                },
            ],
        ),
    ])
}

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

fn policy_subject(policy: &Policy) -> String {
    policy
        .meta
        .subject
        .clone()
        .unwrap_or_else(|| format!("iommu: {}", policy.summary().trim_end_matches('.')))
}

fn caller_patch(
    t: &Templates,
    file: &str,
    sites: &[&Site],
    edits: Vec<Edit>,
    template: &str,
) -> Result<Planned, SeriesError> {
    let sub = Subsystem::of(file);
    let mut c = tera::Context::new();
    c.insert("prefix", sub.prefix(file));
    c.insert("file", file);
    c.insert("hooks", &hooks_doc(sites));
    let glue: Vec<String> = sites
        .iter()
        .flat_map(|s| s.glue.iter())
        .filter(|g| g.file == file)
        .map(|g| format!("{}()", g.function))
        .collect();
    let callees: Vec<String> = sites.iter().map(|s| format!("{}()", s.callee())).collect();
    c.insert("glue_here", &english_list(&glue));
    c.insert("glue_count", &glue.len());
    c.insert("callees", &english_list(&callees));
    let text = t.render(template, &c)?;
    let (subject, body) = text.split_once('\n').unwrap_or((&text, ""));
    Ok(Planned {
        subject: subject.trim().to_string(),
        body: body.trim().to_string(),
        trailers: Vec::new(),
        edits,
    })
}

fn english_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Edits outside iommu.c, by file, with the sites they call: one patch per file.
type CallerEdits<'a> = BTreeMap<String, (Vec<&'a Site>, Vec<Edit>)>;

fn add_callers<'a>(by_file: &mut CallerEdits<'a>, site: &'a Site, callers: Vec<Edit>) {
    for e in callers {
        let entry = by_file.entry(edit_file(&e).to_string()).or_default();
        if !entry.0.contains(&site) {
            entry.0.push(site);
        }
        entry.1.push(e);
    }
}

fn edit_file(e: &Edit) -> &str {
    match e {
        Edit::ReplaceFunction { file, .. }
        | Edit::ReplaceStatement { file, .. }
        | Edit::InsertAfter { file, .. }
        | Edit::InsertBefore { file, .. } => file,
    }
}

/// A patch with its files before and after.
pub(crate) struct Applied {
    pub planned: Planned,
    /// (path, before, after), in path order.
    pub files: Vec<(String, String, String)>,
}

fn anchor_err(file: &str, e: anchor::NotFound) -> SeriesError {
    SeriesError::Anchor {
        file: file.to_string(),
        anchor: e.anchor.to_string(),
        found: e.found,
    }
}

/// Applies each patch's edits to the files as the previous patches left them.
fn apply(tree: &dyn BaseTree, plan: &[Planned]) -> Result<Vec<Applied>, SeriesError> {
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for p in plan {
        let mut before: BTreeMap<String, String> = BTreeMap::new();
        for e in &p.edits {
            let file = edit_file(e).to_string();
            if !current.contains_key(&file) {
                current.insert(file.clone(), tree.read(&file)?);
            }
            before
                .entry(file.clone())
                .or_insert_with(|| current[&file].clone());
            let text = current.get_mut(&file).expect("loaded above");
            apply_edit(text, e).map_err(|nf| anchor_err(&file, nf))?;
        }
        let files = before
            .into_iter()
            .filter(|(f, b)| current[f] != *b)
            .map(|(f, b)| {
                let a = current[&f].clone();
                (f, b, a)
            })
            .collect::<Vec<_>>();
        if !files.is_empty() {
            out.push(Applied {
                planned: p.clone(),
                files,
            });
        }
    }
    Ok(out)
}

fn apply_edit(text: &mut String, e: &Edit) -> Result<(), anchor::NotFound> {
    match e {
        Edit::ReplaceFunction {
            name,
            text: new,
            comment,
            ..
        } => {
            let mut r = anchor::find(text, &Anchor::Function(name.clone()))?;
            if *comment {
                r.start = anchor::leading_comment_start(text, r.start);
            }
            text.replace_range(r, new);
        }
        Edit::ReplaceStatement {
            function, old, new, ..
        } => {
            let r = anchor::find(
                text,
                &Anchor::Statement {
                    function: function.clone(),
                    text: old.clone(),
                },
            )?;
            text.replace_range(r, new);
        }
        Edit::InsertAfter {
            after,
            text: new,
            blank,
            ..
        } => {
            let first = anchor::find(text, &after[0])?;
            let mut at = first.end;
            for a in &after[1..] {
                if let Ok(r) = anchor::find(text, a) {
                    at = r.end;
                }
            }
            let ins = if *blank {
                format!("\n{new}")
            } else {
                new.clone()
            };
            text.insert_str(at, &ins);
        }
        Edit::InsertBefore {
            function,
            text: new,
            ..
        } => {
            let r = anchor::find(text, &Anchor::Function(function.clone()))?;
            let at = anchor::leading_comment_start(text, r.start);
            text.insert_str(at, new);
        }
    }
    Ok(())
}
