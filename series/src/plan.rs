//! The series as patches of edits, in order: the preparatory patches of what the C needs
//! (see [`need`](crate::need)), the "no functional change" patches that give each changed
//! hook its function, the policy's patch, and callers of hooks 6.12 lacks.

use crate::edit::Edit;
use crate::error::SeriesError;
use crate::functions::{introduce, replace};
use crate::hooks::Rendered;
use crate::need::{self, Need};
use crate::patch::{commit_paragraphs, link_url, obsolete_archive, policy_subject};
use crate::sites::{Entry, Site, Subsystem};
use crate::templates::Templates;
use std::collections::{BTreeMap, BTreeSet};
use switchyard_dsl::ir::Policy;
use switchyard_dsl::vocab::Hook;
use switchyard_dsl::Base;

/// A patch before it is diffed.
#[derive(Debug)]
pub(crate) struct Planned {
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) trailers: Vec<String>,
    pub(crate) edits: Vec<Edit>,
}

/// The canonical order of generated functions in iommu.c, so each patch inserts in place.
fn canonical(rendered: &[Rendered], base: Base) -> Vec<String> {
    let mut v: Vec<String> = need::helper_functions(base).map(str::to_string).collect();
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
            let mut glue: Vec<String> = Vec::new();
            for g in &s.glue {
                let f = format!("{}()", g.function);
                if !glue.contains(&f) {
                    glue.push(f);
                }
            }
            m.insert("glue", glue.join(", "));
            m.insert("glue_prose", prose_list(&glue));
            m
        })
        .collect()
}

/// The sentence that says which functions call the hooks a policy adds, as a commit log
/// says it: `a() now calls the new x(), and b() the new y() and z().` Hooks called from
/// the same functions are named together; empty when the policy adds no hook.
fn new_calls(sites: &[&Site]) -> String {
    let mut by_glue: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for s in sites {
        let mut glue: Vec<String> = Vec::new();
        for g in &s.glue {
            let f = format!("{}()", g.function);
            if !glue.contains(&f) {
                glue.push(f);
            }
        }
        let callee = format!("{}()", s.callee());
        match by_glue.iter_mut().find(|(g, _)| *g == glue) {
            Some((_, callees)) => callees.push(callee),
            None => by_glue.push((glue, vec![callee])),
        }
    }
    let clauses: Vec<String> = by_glue
        .iter()
        .enumerate()
        .map(|(i, (glue, callees))| {
            let verb = match (i, glue.len()) {
                (0, 1) => "now calls ",
                (0, _) => "now call ",
                _ => "",
            };
            format!("{} {verb}the new {}", prose_list(glue), prose_list(callees))
        })
        .collect();
    match clauses.split_last() {
        None => String::new(),
        Some((only, [])) => format!("{only}."),
        Some((last, rest)) => format!("{}, and {last}.", rest.join(", ")),
    }
}

/// Names as a sentence lists them: `a()`, `a() and b()`, `a(), b() and c()`.
fn prose_list(names: &[String]) -> String {
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The patches, in order, with their edits.
pub(crate) fn plan(
    policy: &Policy,
    rendered: &[Rendered],
    t: &Templates,
) -> Result<Vec<Planned>, SeriesError> {
    let order = canonical(rendered, t.base());
    let mut needs: BTreeSet<Need> = BTreeSet::new();
    for r in rendered {
        needs.extend(r.old_uses.needs.iter().copied());
        needs.extend(r.new_uses.needs.iter().copied());
    }
    let mut out = need::preps(t, &needs)?;

    // No functional change: each hook with a 6.12 decision gets its function.
    let mut have: BTreeSet<Need> = BTreeSet::new();
    let existing: Vec<&Rendered> = rendered.iter().filter(|r| !r.old.is_empty()).collect();
    if !existing.is_empty() {
        let mut edits = Vec::new();
        for r in &existing {
            edits.extend(need::helper_edits(t, &r.old_uses.needs, &mut have, &order)?);
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
        let (subject, body) = t.commit("commit/nfc_iommu.txt.tera", &c)?;
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
        edits.extend(need::helper_edits(t, &r.new_uses.needs, &mut have, &order)?);
    }
    let added: Vec<Need> = have.difference(&had).copied().collect();
    let adds = need::notes(t, &added, &needs)?;
    let mut late = CallerEdits::new();
    for r in rendered {
        if r.old.is_empty() {
            let (core, callers) = introduce(t, &r.site, &r.new, &r.new_uses, &order)?;
            edits.extend(core);
            add_callers(&mut late, &r.site, callers);
        } else {
            edits.extend(replace(t, &r.site, &r.new, &r.new_uses, &r.old_uses)?);
        }
    }
    let sites: Vec<&Site> = rendered.iter().map(|r| &r.site).collect();
    let mut c = tera::Context::new();
    c.insert("doc", &commit_paragraphs(&policy.doc, t.base()));
    c.insert("subject", &policy_subject(policy));
    c.insert("hooks", &hooks_doc(&sites));
    c.insert("adds", &adds);
    c.insert(
        "new_calls",
        &new_calls(
            &rendered
                .iter()
                .filter(|r| r.old.is_empty())
                .map(|r| &r.site)
                .collect::<Vec<_>>(),
        ),
    );
    let (subject, body) = t.commit("commit/policy.txt.tera", &c)?;
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
            .map(|l| link_url(l))
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
    let mut glue: Vec<String> = Vec::new();
    for g in sites.iter().flat_map(|s| s.glue.iter()) {
        let f = format!("{}()", g.function);
        if g.file == file && !glue.contains(&f) {
            glue.push(f);
        }
    }
    let callees: Vec<String> = sites.iter().map(|s| format!("{}()", s.callee())).collect();
    c.insert("glue_here", &english_list(&glue));
    c.insert("glue_count", &glue.len());
    c.insert("callees", &english_list(&callees));
    let (subject, body) = t.commit(template, &c)?;
    Ok(Planned {
        subject,
        body,
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
        let entry = by_file.entry(e.file().to_string()).or_default();
        if !entry.0.contains(&site) {
            entry.0.push(site);
        }
        entry.1.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::prose_list;

    #[test]
    fn names_read_as_a_sentence_lists_them() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(prose_list(&n(&["a()"])), "a()");
        assert_eq!(prose_list(&n(&["a()", "b()"])), "a() and b()");
        assert_eq!(prose_list(&n(&["a()", "b()", "c()"])), "a(), b() and c()");
        assert_eq!(prose_list(&[]), "");
    }
}
