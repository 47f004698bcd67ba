//! The kernel trees the series tests share, kept under `target/tmp/` so that a second run
//! reuses them: for each base, Debian's linux-source tarball imported once with the
//! harness (`tree::init`, idempotent) into the cache the booting tests use
//! (`target/tmp/kernel/linux-6.12`, `target/tmp/kernel/linux-7.3`), and for 6.12 a bare
//! clone sharing its objects that holds a commit on a scratch branch renaming a function
//! every series anchors on. The imports' refs, index and files are only ever read.
//!
//! Used by `generator/tests/series.rs` and, through `#[path]`, by the CLI test
//! `tests/gen_series.rs`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use switchyard_dsl::Base as Kernel;
use switchyard_harness::git2;
use switchyard_harness::tree;

/// The directory the series tests keep between runs.
pub fn cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("series")
}

/// The directory the series tests keep for a base: [`cache`] for 6.12 (as before there
/// was a second base), `cache()/BASE` for a later one.
pub fn cache_of(kernel: Kernel) -> PathBuf {
    match kernel {
        Kernel::Linux612 => cache(),
        _ => cache().join(kernel.name()),
    }
}

/// The cache `switchyard run` is given by the tests that boot (`tests/run*.rs`): its
/// `linux-6.12` is the one import of the tarball the whole suite shares.
pub fn kernel_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("kernel")
}

/// Progress on stderr (shown with `--nocapture` and when a test fails).
pub fn say(text: &str) {
    eprintln!("[series] {text}");
}

/// An imported tree and its base commit.
pub struct Import {
    pub import: PathBuf,
    pub base: String,
}

/// The Linux 6.12 import ([`import`]).
pub fn base() -> &'static Import {
    import(Kernel::Linux612)
}

/// The tarball a base is imported from: `$SWITCHYARD_TARBALL_LINUX_7_3` (for 7.3; the
/// variable is the base's name in capitals) when set, else the one `switchyard` itself
/// uses: the file its Debian package installs, or the package fetched once into the
/// user's cache (`~/.cache/switchyard/debs/`, as `tree init --base` does).
pub fn tarball(kernel: Kernel) -> PathBuf {
    let var = format!(
        "SWITCHYARD_TARBALL_{}",
        kernel.name().to_uppercase().replace(['-', '.'], "_")
    );
    if let Some(path) = std::env::var_os(&var) {
        return PathBuf::from(path);
    }
    let debs = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("switchyard/debs");
    switchyard_harness::fetch::tarball(kernel, &debs, &mut |s| say(s))
        .unwrap_or_else(|e| panic!("{}'s tarball: {e} (or set ${var})", kernel.name()))
}

/// Imports the base's tarball into `target/tmp/kernel/BASE` (the import of
/// [`kernel_cache`]) the first time (about 40 s); later calls and runs, and the tests
/// that boot, find the finished import.
pub fn import(kernel: Kernel) -> &'static Import {
    static IMPORTS: [OnceLock<Import>; Kernel::ALL.len()] = [const { OnceLock::new() }; 2];
    let i = Kernel::ALL.iter().position(|k| *k == kernel).unwrap();
    IMPORTS[i].get_or_init(|| {
        let dir = kernel_cache().join(kernel.name());
        let tarball = tarball(kernel);
        assert!(
            tarball.is_file(),
            "{} is not there: install Debian's {} or point $SWITCHYARD_TARBALL_{} at its tarball",
            tarball.display(),
            kernel.source().package,
            kernel.name().to_uppercase().replace(['-', '.'], "_")
        );
        let tarball = tarball.as_path();
        let started = std::time::Instant::now();
        let mut progress = |_: tree::Progress| {};
        let outcome = match tree::init(&dir, tarball, &mut progress) {
            // An import killed half-way leaves a directory that is no import: start over.
            Err(tree::TreeError::NotEmpty { .. }) => {
                say(&format!(
                    "{} is no finished import; importing again",
                    dir.display()
                ));
                std::fs::remove_dir_all(&dir).expect("removing the unfinished import");
                tree::init(&dir, tarball, &mut progress)
            }
            other => other,
        }
        .unwrap_or_else(|e| panic!("importing {}: {e}", tarball.display()));
        if let tree::InitOutcome::Imported(_) = outcome {
            say(&format!(
                "imported the tarball in {:.0?}",
                started.elapsed()
            ));
        }
        Import {
            import: dir,
            base: outcome.commit().to_string(),
        }
    })
}

/// `git -C DIR ARGS` with no system or global configuration, so that a developer's
/// settings (am.threeWay, hooks, ...) do not change what is tested.
pub fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Switchyard Test"])
        .args(["-c", "user.email=test@switchyard.invalid"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs (installed by .ci/deps)")
}

/// `git` that must succeed; its trimmed stdout.
pub fn git_ok(dir: &Path, args: &[&str]) -> String {
    let o = git(dir, args);
    assert!(
        o.status.success(),
        "git {args:?} in {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A clone of the 6.12 import sharing its objects ([`shared_clone_of`]).
pub fn shared_clone(name: &str, bare: bool) -> PathBuf {
    shared_clone_of(Kernel::Linux612, name, bare)
}

/// A clone of the base's import sharing its objects (`--shared`), made once in
/// [`cache_of`]; refs created in it never reach the import.
pub fn shared_clone_of(kernel: Kernel, name: &str, bare: bool) -> PathBuf {
    let b = import(kernel);
    let cache = cache_of(kernel);
    let dir = cache.join(name);
    let usable = dir.exists()
        && git(&dir, &["cat-file", "-e", &format!("{}^{{commit}}", b.base)])
            .status
            .success();
    if !usable {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&cache).expect("creating the series cache");
        let mut args = vec!["clone", "-q", "--shared", "--no-checkout"];
        if bare {
            args.push("--bare");
        }
        let (import, to) = (b.import.to_str().unwrap(), dir.to_str().unwrap());
        args.extend([import, to]);
        git_ok(&cache, &args);
    }
    dir
}

/// The function the renamed tree no longer has: every series inserts its functions after
/// it in drivers/iommu/iommu.c.
pub const RENAMED_FROM: &str = "__iommu_group_alloc_blocking_domain";
/// Its new name.
pub const RENAMED_TO: &str = "__iommu_group_alloc_blocking";
/// The scratch branch holding the rename.
pub const RENAMED_BRANCH: &str = "renamed";

/// A bare clone whose branch [`RENAMED_BRANCH`] is the base plus one commit renaming
/// [`RENAMED_FROM`] (definition and callers) in drivers/iommu/iommu.c.
pub fn renamed_tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let b = base();
        let dir = shared_clone("renamed.git", true);
        let repo = git2::Repository::open(&dir).expect("the clone opens");
        let base = repo
            .revparse_single(&b.base)
            .and_then(|o| o.peel_to_commit())
            .expect("the base is in the clone");
        let path = "drivers/iommu/iommu.c";
        let entry = base
            .tree()
            .and_then(|t| t.get_path(Path::new(path)))
            .expect("iommu.c at the base");
        let blob = repo.find_blob(entry.id()).expect("iommu.c's blob");
        let text = std::str::from_utf8(blob.content()).expect("iommu.c is UTF-8");
        assert!(text.contains(&format!("static int {RENAMED_FROM}(")));
        let renamed = text.replace(RENAMED_FROM, RENAMED_TO);
        let id = repo.blob(renamed.as_bytes()).expect("writing the blob");
        let mut update = git2::build::TreeUpdateBuilder::new();
        update.upsert(path, id, git2::FileMode::Blob);
        let tree_id = update
            .create_updated(&repo, &base.tree().unwrap())
            .expect("building the tree");
        let tree = repo.find_tree(tree_id).unwrap();
        let sig = git2::Signature::new(
            "Switchyard Test",
            "test@switchyard.invalid",
            &git2::Time::new(1_767_225_600, 0),
        )
        .unwrap();
        let commit = repo
            .commit(
                None,
                &sig,
                &sig,
                &format!("iommu: Rename {RENAMED_FROM}()\n"),
                &tree,
                &[&base],
            )
            .expect("committing the rename");
        repo.reference(
            &format!("refs/heads/{RENAMED_BRANCH}"),
            commit,
            true,
            "the anchor test's rename",
        )
        .expect("the scratch branch");
        dir
    })
}

/// Removes what earlier runs left of `policy` on arm64 in the booting tests' `cache`: the
/// import's branches `switchyard/POLICY-v*` and the source, build, series and run
/// directories (and lock files) named `switchyard-POLICY-*`, and with `with_base` the
/// base's source and build directories too, so that the next run starts from nothing.
pub fn forget_policy(cache: &Path, policy: &str, with_base: bool) {
    let branch = format!("switchyard/{policy}-v");
    if let Ok(repo) = git2::Repository::open(cache.join("linux-6.12")) {
        let names: Vec<String> = repo
            .branches(Some(git2::BranchType::Local))
            .unwrap()
            .map(|b| b.unwrap().0.name().unwrap().unwrap().to_string())
            .filter(|n| n.starts_with(&branch))
            .collect();
        for n in names {
            repo.find_branch(&n, git2::BranchType::Local)
                .unwrap()
                .delete()
                .unwrap();
        }
    }
    let ours = format!("switchyard-{policy}-");
    for dir in ["src", "build", "series", "run"] {
        let Ok(entries) = std::fs::read_dir(cache.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let base = with_base && dir != "series" && dir != "run" && name == "base";
            if !(name.starts_with(&ours) || base) {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
}
