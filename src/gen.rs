//! `switchyard gen`: a policy's checkable model as a crate or as Promela, and its RFC patch
//! series.

use crate::cli::{BaseOrRevision, SeriesArgs};
use crate::error::CliError;
use crate::kernel;
use std::io::Write;
use std::path::{Path, PathBuf};
use switchyard::dsl::{self, LoadError, SourceKind};
use switchyard::rfc::{self, Revision};
use switchyard_model as model;
use switchyard_series::Recipients;

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

/// Runs `gen promela`: the model of the policy on the scenario as Promela, to `output` or
/// to standard output.
pub(crate) fn gen_promela(
    out: &mut dyn Write,
    policy: &str,
    scenario: &str,
    output: Option<&Path>,
    base: dsl::Base,
) -> Result<(), CliError> {
    let policy = dsl::load_policy(policy)?;
    CliError::for_base(&policy, base)?;
    let scenario = dsl::load_scenario(scenario)?;
    let model = model::promela::promela(&policy, &scenario, base)?;
    match output {
        None => out
            .write_all(model.text.as_bytes())
            .map_err(CliError::Output),
        Some(path) => {
            std::fs::write(path, &model.text).map_err(|source| CliError::WriteFile {
                path: path.to_path_buf(),
                source,
            })?;
            line(
                out,
                format!(
                    "wrote the Promela model of `{}` on `{}` to {}",
                    policy.name,
                    scenario.name,
                    path.display()
                ),
            )?;
            line(
                out,
                format!(
                    "  spin -DPROP=10 -a {} && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -c0 -m100000",
                    path.display()
                ),
            )
        }
    }
}

/// Runs `gen series`: writes the series addressed (as given, or as the tree's
/// get_maintainer.pl says), and with `--check` prints what the tree's checkpatch.pl finds
/// in each patch. `Ok(false)`: checkpatch found an error or a warning.
pub(crate) fn gen_series(out: &mut dyn Write, args: SeriesArgs) -> Result<bool, CliError> {
    let policy = dsl::load_policy(&args.policy)?;
    let given = Recipients {
        to: addresses(args.to)?,
        cc: addresses(args.cc)?,
    };
    let progress = kernel::Progress::stderr();
    let (tree_dir, _) = kernel::kernel_tree(
        args.tree,
        BaseOrRevision::kernel(&args.base),
        &kernel::default_cache(),
        &progress,
    )?;
    let rev = BaseOrRevision::revision(args.base).unwrap_or_else(|| "HEAD".into());
    let tree = rfc::open_tree(&tree_dir, &rev)?;
    let author = match &args.from {
        Some(f) => crate::parse_from(f)?,
        None => rfc::git_identity(&tree_dir)?,
    };
    let how = Revision {
        version: args.version,
        signoff: args.signoff,
        range_diff: args.range_diff,
        ..Revision::default()
    };
    let mut s = rfc::policy_series(&policy, &tree, author, how)?;
    rfc::address(&mut s, &tree_dir, &given)?;
    let written = rfc::write_series(&s, &args.output, &mut |w| progress.say(&w.to_string()))?;
    line(
        out,
        format!(
            "wrote {} patches and a cover letter for `{}` to {} (base-commit {})",
            s.patches.len(),
            policy.name,
            args.output.display(),
            s.base_commit
        ),
    )?;
    for p in &written {
        line(out, format!("  {}", p.display()))?;
    }
    let all = &s.cover.recipients;
    line(
        out,
        if given.is_empty() {
            "addressed by the tree's scripts/get_maintainer.pl, each patch to its own and \
             the cover letter to all:"
                .to_string()
        } else {
            "addressed as --to and --cc say:".to_string()
        },
    )?;
    for (header, list) in [("To", &all.to), ("Cc", &all.cc)] {
        if !list.is_empty() {
            line(out, format!("  {header}: {}", list.join(", ")))?;
        }
    }
    if !args.check {
        return Ok(true);
    }
    let patches: Vec<PathBuf> = written
        .into_iter()
        .filter(|p| !p.ends_with(&s.cover.file_name))
        .collect();
    check(out, &tree_dir, &patches, args.signoff)
}

/// `--to` / `--cc`: each `Name <email>` or a bare address, on one line.
fn addresses(given: Vec<String>) -> Result<Vec<String>, CliError> {
    given
        .into_iter()
        .map(|a| {
            let a = a.trim().to_string();
            let one_line = !a.contains(['\n', '\r']);
            let bare = !a.contains(['<', '>', ' ']) && a.contains('@');
            if one_line && (bare || switchyard_series::Identity::parse(&a).is_some()) {
                Ok(a)
            } else {
                Err(CliError::BadAddress(a))
            }
        })
        .collect()
}

/// `--check`: checkpatch.pl --strict of the tree on each patch, its findings under the
/// patch's name, as `b4 prep --check` shows them; whether none has an error or a warning.
/// A series written without `--signoff` gets checkpatch's error for it on every patch, and
/// a hint that says where it comes from.
fn check(
    out: &mut dyn Write,
    tree: &Path,
    patches: &[PathBuf],
    signoff: bool,
) -> Result<bool, CliError> {
    line(out, "checkpatch.pl --strict:")?;
    let (mut errors, mut warnings, mut checks, mut failing) = (0, 0, 0, 0);
    for p in patches {
        let c = rfc::checkpatch(tree, p)?;
        let name = p.file_name().map_or(p.display().to_string(), |n| {
            n.to_string_lossy().into_owned()
        });
        line(
            out,
            format!(
                "  {name}: {}, {}, {}",
                count(c.errors, "error"),
                count(c.warnings, "warning"),
                count(c.checks, "check")
            ),
        )?;
        for f in &c.findings {
            for l in f.lines() {
                line(out, format!("    {l}").trim_end())?;
            }
        }
        (errors, warnings, checks) = (errors + c.errors, warnings + c.warnings, checks + c.checks);
        failing += usize::from(!c.passes());
    }
    line(
        out,
        format!(
            "checkpatch.pl: {}, {}, {} in {} patches{}",
            count(errors, "error"),
            count(warnings, "warning"),
            count(checks, "check"),
            patches.len(),
            if failing > 0 {
                format!("; {failing} with errors or warnings")
            } else {
                String::new()
            }
        ),
    )?;
    if !signoff && failing > 0 {
        line(
            out,
            "hint: written without --signoff, so no patch has a Signed-off-by: line, which \
             checkpatch reports as an error; --signoff adds the author's (--from, else the tree's git \
             user.name and user.email)",
        )?;
    }
    Ok(failing == 0)
}

fn line(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<(), CliError> {
    writeln!(out, "{text}").map_err(CliError::Output)
}

fn count(n: u32, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
