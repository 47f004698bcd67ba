//! The text templates under `kernel-templates/`, compiled into the crate, and the small
//! helpers for rendering them.
//!
//! `kernel-templates/linux-6.12/` holds every template. A later base's directory
//! (`linux-7.3/`) holds only the files whose text differs on that base, under the same
//! names: a base's templates are linux-6.12's with its own files laid over them, so what
//! is the same on both bases is written once.

use crate::error::SeriesError;
use switchyard_dsl::Base;

/// The compiled templates of one base.
pub(crate) struct Templates {
    tera: tera::Tera,
    base: Base,
}

macro_rules! templates {
    ($dir:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../kernel-templates/", $dir, "/", $name)))),*]
    };
}

/// Every template, as written for Linux 6.12.
const TEMPLATES: &[(&str, &str)] = templates![
    "linux-6.12":
    "functions/hook.c.tera",
    "functions/dev_wrapper.c.tera",
    "helpers/bound_count.c.tera",
    "helpers/require_direct.c.tera",
    "helpers/attach_deferred.c.tera",
    "helpers/bus_prepares.c.tera",
    "helpers/msi_live.c.tera",
    "helpers/msi_iova.c.tera",
    "prep/msi_iova_doc.h.tera",
    "prep/msi_iova.h.tera",
    "prep/msi_iova_none.c.tera",
    "prep/msi_iova_mapped.c.tera",
    "prep/msi_doorbell_doc.h.tera",
    "prep/msi_doorbell.h.tera",
    "prep/msi_doorbell_record.c.tera",
    "prep/msi_retarget.c.tera",
    "prep/msi_retarget.h.tera",
    "prep/msi_retarget_include.c.tera",
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
    "prep/its_unwind.c.tera",
    "prep/v2m_unwind.c.tera",
    "prep/mbi_unwind.c.tera",
    "prep/ls_scfg_unwind.c.tera",
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
    "glue/remove_last.c.tera",
    "glue/join.c.tera",
    "glue/prepare_msi.c.tera",
    "glue/pci_dma_configure.c.tera",
    "glue/pci_dma_cleanup.c.tera",
    "glue/platform_dma_configure.c.tera",
    "glue/platform_dma_cleanup.c.tera",
    "glue/amba_dma_configure.c.tera",
    "glue/amba_dma_cleanup.c.tera",
    "glue/vfio_msi_cookie.c.tera",
    "glue/vfio_msi_cookie_reused.c.tera",
    "glue/iommufd_msi_cookie.c.tera",
    "glue/store_type.c.tera",
    "glue/header_decl.h.tera",
    "glue/header_stub.h.tera",
    "glue/prototype.c.tera",
    "commit/irqchip_its_unwind.txt.tera",
    "commit/irqchip_v2m_unwind.txt.tera",
    "commit/irqchip_mbi_unwind.txt.tera",
    "commit/irqchip_ls_scfg_unwind.txt.tera",
    "commit/irqchip_unwind_note.txt.tera",
    "commit/irqchip_unwind_why.txt.tera",
    "commit/locked_use.txt.tera",
    "commit/irq_only_flag.txt.tera",
    "commit/portdrv_irq_only.txt.tera",
    "commit/dma_ops_default.txt.tera",
    "commit/msi_iova.txt.tera",
    "commit/msi_doorbell.txt.tera",
    "commit/msi_retarget.txt.tera",
    "commit/forbid_ats.txt.tera",
    "commit/smmu_forbid_ats.txt.tera",
    "commit/dma_init_domain.txt.tera",
    "commit/helper_attach_deferred.txt.tera",
    "commit/helper_bus_prepares.txt.tera",
    "commit/helper_parking.txt.tera",
    "commit/helper_replace_default.txt.tera",
    "commit/nfc_iommu.txt.tera",
    "commit/nfc_caller.txt.tera",
    "commit/policy.txt.tera",
    "commit/new_caller.txt.tera",
    "cover-letter.txt.tera",
    "cover-base.txt.tera",
];

/// The templates whose text differs on Linux 7.3.
const LINUX_7_3: &[(&str, &str)] = templates![
    "linux-7.3":
    "cover-base.txt.tera",
    "glue/pci_dma_configure.c.tera",
    "glue/platform_dma_configure.c.tera",
    "glue/amba_dma_configure.c.tera",
    "prep/smmu_ats_forbidden.c.tera",
    "prep/smmu_attach_prepare.c.tera",
    "commit/smmu_forbid_ats.txt.tera",
    "prep/msi_iova_mapped.c.tera",
    "helpers/msi_iova.c.tera",
    "commit/msi_iova.txt.tera",
    "helpers/parking_domain.c.tera",
    "helpers/replace_default.c.tera",
    "helpers/bus_prepares.c.tera",
    "glue/prepare_msi.c.tera",
    "commit/irqchip_its_unwind.txt.tera",
    "commit/irqchip_unwind_note.txt.tera",
    "commit/irqchip_unwind_why.txt.tera",
    "glue/join.c.tera",
];

/// The files a base lays over linux-6.12's.
fn overlay(base: Base) -> &'static [(&'static str, &'static str)] {
    match base {
        Base::Linux612 => &[],
        Base::Linux73 => LINUX_7_3,
    }
}

impl Templates {
    /// The templates of `base`: linux-6.12's, with the base's own files in their place.
    pub(crate) fn load(base: Base) -> Result<Templates, SeriesError> {
        let mut t = tera::Tera::default();
        t.autoescape_on(vec![]);
        t.register_filter(
            "wrap",
            |v: &tera::Value, args: &std::collections::HashMap<String, tera::Value>| {
                let s = tera::try_get_value!("wrap", "value", String, v);
                let hang = args.get("hang").and_then(tera::Value::as_u64).unwrap_or(0);
                Ok(tera::Value::String(wrap(&s, 72, hang as usize)))
            },
        );
        let own = overlay(base);
        let common = TEMPLATES
            .iter()
            .filter(|(name, _)| !own.iter().any(|(n, _)| n == name));
        t.add_raw_templates(common.chain(own).copied())
            .map_err(|e| SeriesError::Template {
                name: format!("kernel-templates ({base})"),
                message: tera_message(&e),
            })?;
        Ok(Templates { tera: t, base })
    }

    /// The base the templates are written for.
    pub(crate) fn base(&self) -> Base {
        self.base
    }

    /// A commit message template: its first line is the subject, the rest the body.
    pub(crate) fn commit(
        &self,
        name: &str,
        ctx: &tera::Context,
    ) -> Result<(String, String), SeriesError> {
        let text = self.render(name, ctx)?;
        let (subject, body) = split_subject(&text);
        Ok((subject.trim().to_string(), body.trim().to_string()))
    }

    pub(crate) fn render(&self, name: &str, ctx: &tera::Context) -> Result<String, SeriesError> {
        self.tera
            .render(name, ctx)
            .map_err(|e| SeriesError::Template {
                name: name.to_string(),
                message: tera_message(&e),
            })
    }
}

/// A rendered message's subject (its first line) and the rest.
pub(crate) fn split_subject(text: &str) -> (&str, &str) {
    text.split_once('\n').unwrap_or((text, ""))
}

/// Wraps one paragraph at `width`, keeping its leading whitespace on the first line and
/// indenting the others by `hang` spaces.
pub(crate) fn wrap(text: &str, width: usize, hang: usize) -> String {
    let lead = &text[..text.len() - text.trim_start().len()];
    let pad = " ".repeat(hang);
    let mut out = String::new();
    let mut line = lead.to_string();
    let mut fresh = true;
    for w in text.split_whitespace() {
        if !fresh && line.len() + 1 + w.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = pad.clone();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(w);
        fresh = false;
    }
    out.push_str(&line);
    out
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

/// A tera context from `(name, value)` pairs.
pub(crate) fn ctx(pairs: &[(&str, &dyn erased::Value)]) -> tera::Context {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files_under(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("the template directory reads") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                files_under(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under the root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    fn names(list: &[(&str, &str)]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|(n, _)| n.to_string()).collect();
        v.sort();
        v
    }

    /// The lists cannot drift from the directories: every file in a base's directory is
    /// compiled in, every listed name is a file there, and a later base's file replaces
    /// one linux-6.12 has (a name only it had would be a template no code renders on
    /// linux-6.12).
    #[test]
    fn every_template_file_is_listed_and_every_listed_name_is_a_file() {
        let all = names(TEMPLATES);
        for base in Base::ALL {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../kernel-templates")
                .join(base.name());
            let mut on_disk = Vec::new();
            files_under(&root, &root, &mut on_disk);
            on_disk.sort();
            let listed = match base {
                Base::Linux612 => all.clone(),
                _ => names(overlay(base)),
            };
            assert_eq!(on_disk, listed, "{base}");
            for name in &listed {
                assert!(all.contains(name), "{base}: {name} replaces nothing");
            }
        }
    }

    #[test]
    fn the_templates_compile() {
        for base in Base::ALL {
            let t = Templates::load(base).expect("every template parses");
            assert_eq!(t.base(), base);
        }
    }
}
