//! `switchyard gen`: a policy's checkable model as a crate, and its RFC patch series.

use crate::error::CliError;
use crate::kernel;
use std::io::Write;
use std::path::{Path, PathBuf};
use switchyard::dsl::{self, LoadError, SourceKind};
use switchyard::rfc::{self, Revision};
use switchyard_model as model;

/// Runs `gen model`.
pub(crate) fn gen_model(
    out: &mut dyn Write,
    spec: &str,
    dir: &Path,
    src: &Path,
) -> Result<(), CliError> {
    let policy = dsl::load_policy(spec)?;
    let (model_dir, dsl_dir) = (src.join("model"), src.join("dsl"));
    if !model_dir.join("Cargo.toml").is_file() || !dsl_dir.join("Cargo.toml").is_file() {
        return Err(CliError::SourceTree(src.to_path_buf()));
    }
    // The texts the generated crate needs to load the policy again: its own, and those of
    // ancestors that are files (found as the loader finds them: beside the policy).
    let mut files = Vec::new();
    let read = |p: &Path| {
        std::fs::read_to_string(p).map_err(|source| LoadError::Io {
            path: p.to_path_buf(),
            source,
        })
    };
    match &policy.origin {
        dsl::Origin::File(path) => {
            let path = Path::new(path);
            files.push((policy.name.clone(), read(path)?));
            let base = path.parent().unwrap_or(Path::new("."));
            for name in policy.chain.iter().skip(1) {
                let sibling = base.join(format!("{name}.policy.rs"));
                if sibling.is_file() {
                    files.push((name.clone(), read(&sibling)?));
                }
            }
        }
        _ => {
            let b = dsl::builtin(SourceKind::Policy, &policy.name).expect("a built-in policy");
            files.push((policy.name.clone(), b.text.to_string()));
        }
    }
    let lock = src.join("Cargo.lock");
    let sources = model::codegen::Sources {
        model: &model_dir,
        dsl: &dsl_dir,
        lockfile: lock.is_file().then_some(lock.as_path()),
    };
    model::codegen::write_crate(&policy, &files, dir, &sources)?;
    writeln!(
        out,
        "wrote the model of `{}` to {}",
        policy.name,
        dir.display()
    )
    .map_err(CliError::Output)?;
    writeln!(
        out,
        "  cargo test --manifest-path {}/Cargo.toml",
        dir.display()
    )
    .map_err(CliError::Output)?;
    Ok(())
}

/// Runs `gen series`.
pub(crate) fn gen_series(
    out: &mut dyn Write,
    spec: &str,
    dir: &Path,
    tree: Option<PathBuf>,
    base: &str,
    how: Revision,
    from: Option<&str>,
) -> Result<(), CliError> {
    let policy = dsl::load_policy(spec)?;
    let progress = kernel::Progress::stderr();
    let tree_dir = kernel::kernel_tree(tree, &kernel::default_cache(), &progress)?;
    let tree = rfc::open_tree(&tree_dir, base)?;
    let author = match from {
        Some(f) => crate::parse_from(f)?,
        None => rfc::git_identity(&tree_dir)?,
    };
    let s = rfc::policy_series(&policy, &tree, author, how)?;
    let written = rfc::write_series(&s, dir, &mut |w| progress.say(&w.to_string()))?;
    writeln!(
        out,
        "wrote {} patches and a cover letter for `{}` to {} (base-commit {})",
        s.patches.len(),
        policy.name,
        dir.display(),
        s.base_commit
    )
    .map_err(CliError::Output)?;
    for p in written {
        writeln!(out, "  {}", p.display()).map_err(CliError::Output)?;
    }
    Ok(())
}
