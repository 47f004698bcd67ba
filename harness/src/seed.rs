//! A build started from another one: a branch's first build compiles only what its
//! commits change, not the whole kernel again.
//!
//! An out-of-tree kernel build records the absolute path of its source directory (make's
//! `srctree`) in nearly every command line it saves (`-I/SRC/include`,
//! `-fmacro-prefix-map=/SRC/=`) and in every dependency list, and kbuild rebuilds an
//! object whose saved command line differs from the one it would run now. So a copy of a
//! build directory beside a copy of its source directory is only incremental once the
//! copy's text files name the copy's source directory. [`seed`] makes both copies and
//! rewrites those paths; [`repoint`] does the rewriting alone, for a build directory whose
//! source directory moved.
//!
//! # Why mtimes make this correct
//!
//! make compares mtimes. The seeded source directory's files are hard links to the
//! originals, so they are the same files with the same mtimes; every file of the seeded
//! build directory is copied with its original's mtime, rewritten or not. The pair is
//! therefore exactly as up to date as the original pair. The branch's commit is then
//! written into the seeded source directory by [`crate::worktree::materialize`], which
//! replaces each changed file by a new one (it never writes in place, so the original's
//! hard-linked file is untouched) with the current time as its mtime: later than every
//! object, so make rebuilds exactly what depends on a changed file.
//!
//! The copies are made under temporary names and renamed into place last, so an
//! interrupted seed leaves no build directory that looks complete.

use std::fs;
use std::path::{Path, PathBuf};

/// The link kbuild makes in an out-of-tree build directory to its source directory.
pub const SOURCE_LINK: &str = "source";

/// Why a build directory could not be seeded or re-pointed.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} `{}`: {source}", path.display())]
pub struct SeedError {
    /// What was being done.
    pub action: &'static str,
    /// The file or directory.
    pub path: PathBuf,
    /// The error.
    #[source]
    pub source: std::io::Error,
}

fn err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SeedError {
    let path = path.to_path_buf();
    move |source| SeedError {
        action,
        path,
        source,
    }
}

/// What [`seed`] or [`repoint`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Source files hard-linked (or copied where a link was refused).
    pub linked: usize,
    /// Build files copied.
    pub copied: usize,
    /// Build files whose text named the old directories and was rewritten.
    pub rewritten: usize,
}

/// The source directory the build directory `out` was last built from, as kbuild's
/// [`SOURCE_LINK`] names it; `None` if it has none (never built, or not a kernel build).
pub fn source_of(out: &Path) -> Option<PathBuf> {
    fs::read_link(out.join(SOURCE_LINK)).ok()
}

/// Makes `src` and `out` start as `from_src` and `from_out`, where `from_out` was built
/// from `from_src`: `src`'s files are hard links to `from_src`'s, `out`'s are copies of
/// `from_out`'s with their mtimes, and every path naming `from_src` or `from_out` in
/// `out`'s text files names `src` or `out` instead. An existing `src` is replaced (it
/// could hold files newer than `from_out`'s objects, which make would not rebuild);
/// `out` must not exist.
pub fn seed(from_src: &Path, from_out: &Path, src: &Path, out: &Path) -> Result<Seeded, SeedError> {
    let mut done = Seeded::default();
    let src_tmp = partial(src);
    let out_tmp = partial(out);
    for leftover in [&src_tmp, &out_tmp] {
        remove_all(leftover)?;
    }
    link_tree(from_src, &src_tmp, &mut done)?;
    let pairs = [
        (path_bytes(from_src), path_bytes(src)),
        (path_bytes(from_out), path_bytes(out)),
    ];
    copy_tree(from_out, &out_tmp, &pairs, &mut done)?;
    remove_all(src)?;
    fs::rename(&src_tmp, src).map_err(err("rename into place", src))?;
    fs::rename(&out_tmp, out).map_err(err("rename into place", out))?;
    Ok(done)
}

/// Rewrites the build directory `out`, built from the source directory `old`, to be
/// built from `new` (the same files, moved): every path naming `old` in its text files,
/// and its [`SOURCE_LINK`], now name `new`. Mtimes are kept, so make rebuilds nothing
/// that it would not have rebuilt before the move.
pub fn repoint(out: &Path, old: &Path, new: &Path) -> Result<Seeded, SeedError> {
    let mut done = Seeded::default();
    let pairs = [(path_bytes(old), path_bytes(new))];
    rewrite_tree(out, &pairs, &mut done)?;
    Ok(done)
}

fn partial(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dir.with_file_name(name)
}

fn remove_all(dir: &Path) -> Result<(), SeedError> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(dir).map_err(err("remove", dir)),
        Ok(_) => fs::remove_file(dir).map_err(err("remove", dir)),
        Err(_) => Ok(()),
    }
}

fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

/// `text` with every occurrence of each `from` replaced by its `to`; `None` when there is
/// none, or when `text` is not text (a NUL byte: an object or a binary, whose embedded
/// paths are debug information make never compares).
fn replaced(text: &[u8], pairs: &[(Vec<u8>, Vec<u8>)]) -> Option<Vec<u8>> {
    if text.contains(&0) {
        return None;
    }
    let mut out = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    // Every path replaced is absolute: only a '/' can start one.
    while let Some(off) = text[i..].iter().position(|&b| b == b'/') {
        let at = i + off;
        match pairs.iter().find(|(from, _)| text[at..].starts_with(from)) {
            Some((from, to)) => {
                out.extend_from_slice(&text[copied..at]);
                out.extend_from_slice(to);
                copied = at + from.len();
                i = copied;
            }
            None => i = at + 1,
        }
    }
    if copied == 0 {
        return None;
    }
    out.extend_from_slice(&text[copied..]);
    Some(out)
}

fn relink(target: &Path, pairs: &[(Vec<u8>, Vec<u8>)]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path_bytes(target);
    for (from, to) in pairs {
        if bytes.starts_with(from) {
            let mut v = to.clone();
            v.extend_from_slice(&bytes[from.len()..]);
            return PathBuf::from(std::ffi::OsStr::from_bytes(&v));
        }
    }
    target.to_path_buf()
}

/// Gives `path` the permissions and times of `meta`.
fn keep_times(path: &Path, meta: &fs::Metadata) -> Result<(), SeedError> {
    let times = fs::FileTimes::new()
        .set_accessed(meta.accessed().map_err(err("read the times of", path))?)
        .set_modified(meta.modified().map_err(err("read the times of", path))?);
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_times(times))
        .map_err(err("set the times of", path))?;
    // Last: a read-only mode would have refused the open above.
    fs::set_permissions(path, meta.permissions()).map_err(err("set the mode of", path))
}

/// Each entry of `dir`: its path and metadata (not following symlinks).
fn entries(dir: &Path) -> Result<Vec<(PathBuf, fs::Metadata)>, SeedError> {
    let mut v = Vec::new();
    for e in fs::read_dir(dir).map_err(err("list", dir))? {
        let e = e.map_err(err("list", dir))?;
        let path = e.path();
        let meta = fs::symlink_metadata(&path).map_err(err("stat", &path))?;
        v.push((path, meta));
    }
    Ok(v)
}

fn symlink(target: &Path, at: &Path) -> Result<(), SeedError> {
    std::os::unix::fs::symlink(target, at).map_err(err("create the link", at))
}

fn link_tree(from: &Path, to: &Path, done: &mut Seeded) -> Result<(), SeedError> {
    fs::create_dir_all(to).map_err(err("create", to))?;
    for (path, meta) in entries(from)? {
        let dst = to.join(path.file_name().unwrap_or_default());
        if meta.is_dir() {
            link_tree(&path, &dst, done)?;
        } else if meta.file_type().is_symlink() {
            symlink(&fs::read_link(&path).map_err(err("read", &path))?, &dst)?;
        } else if meta.is_file() {
            if fs::hard_link(&path, &dst).is_err() {
                // Another file system, or links refused: a copy with the same mtime is
                // the same file as far as make can tell.
                fs::copy(&path, &dst).map_err(err("copy", &dst))?;
                keep_times(&dst, &meta)?;
            }
            done.linked += 1;
        }
    }
    Ok(())
}

fn copy_tree(
    from: &Path,
    to: &Path,
    pairs: &[(Vec<u8>, Vec<u8>)],
    done: &mut Seeded,
) -> Result<(), SeedError> {
    fs::create_dir_all(to).map_err(err("create", to))?;
    for (path, meta) in entries(from)? {
        let dst = to.join(path.file_name().unwrap_or_default());
        if meta.is_dir() {
            copy_tree(&path, &dst, pairs, done)?;
        } else if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).map_err(err("read", &path))?;
            symlink(&relink(&target, pairs), &dst)?;
        } else if meta.is_file() {
            let bytes = fs::read(&path).map_err(err("read", &path))?;
            match replaced(&bytes, pairs) {
                Some(text) => {
                    fs::write(&dst, text).map_err(err("write", &dst))?;
                    done.rewritten += 1;
                }
                None => fs::write(&dst, &bytes).map_err(err("write", &dst))?,
            }
            keep_times(&dst, &meta)?;
            done.copied += 1;
        }
    }
    Ok(())
}

fn rewrite_tree(
    dir: &Path,
    pairs: &[(Vec<u8>, Vec<u8>)],
    done: &mut Seeded,
) -> Result<(), SeedError> {
    for (path, meta) in entries(dir)? {
        if meta.is_dir() {
            rewrite_tree(&path, pairs, done)?;
        } else if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).map_err(err("read", &path))?;
            let new = relink(&target, pairs);
            if new != target {
                fs::remove_file(&path).map_err(err("replace", &path))?;
                symlink(&new, &path)?;
                done.rewritten += 1;
            }
        } else if meta.is_file() {
            let bytes = fs::read(&path).map_err(err("read", &path))?;
            if let Some(text) = replaced(&bytes, pairs) {
                let fresh = partial(&path);
                fs::write(&fresh, text).map_err(err("write", &fresh))?;
                keep_times(&fresh, &meta)?;
                fs::rename(&fresh, &path).map_err(err("replace", &path))?;
                done.rewritten += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn pairs(v: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        v.iter()
            .map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn paths_are_replaced_in_text_and_binaries_are_left_alone() {
        let p = pairs(&[
            ("/c/src/base", "/c/src/pol"),
            ("/c/build/base", "/c/build/pol"),
        ]);
        assert_eq!(
            replaced(
                b"cmd := gcc -I/c/src/base/include -I./x /c/build/base/y.o",
                &p
            )
            .unwrap(),
            b"cmd := gcc -I/c/src/pol/include -I./x /c/build/pol/y.o"
        );
        assert_eq!(replaced(b"no paths here /usr/include", &p), None);
        assert_eq!(replaced(b"ELF\0/c/src/base/x.c", &p), None);
        assert_eq!(
            relink(Path::new("/c/src/base"), &p),
            Path::new("/c/src/pol")
        );
    }

    #[test]
    fn a_seeded_pair_is_as_up_to_date_as_its_original_and_shares_no_writes() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let (bsrc, bout) = (r.join("src/base"), r.join("build/base"));
        fs::create_dir_all(bsrc.join("include")).unwrap();
        fs::create_dir_all(bout.join("drivers")).unwrap();
        fs::write(bsrc.join("include/a.h"), "int a;\n").unwrap();
        let cmd = format!("savedcmd := gcc -I{}/include x.c\n", bsrc.display());
        fs::write(bout.join("drivers/.x.o.cmd"), &cmd).unwrap();
        fs::write(bout.join("drivers/x.o"), b"\x7fELF\0").unwrap();
        std::os::unix::fs::symlink(&bsrc, bout.join(SOURCE_LINK)).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for f in ["drivers/.x.o.cmd", "drivers/x.o"] {
            fs::File::options()
                .write(true)
                .open(bout.join(f))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }

        let (src, out) = (r.join("src/pol"), r.join("build/pol"));
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("stale.c"), "").unwrap();
        let done = seed(&bsrc, &bout, &src, &out).unwrap();
        assert_eq!((done.linked, done.copied, done.rewritten), (1, 2, 1));
        assert!(
            !src.join("stale.c").exists(),
            "an existing source dir is replaced"
        );
        assert_eq!(source_of(&out).unwrap(), src);
        let text = fs::read_to_string(out.join("drivers/.x.o.cmd")).unwrap();
        assert_eq!(
            text,
            format!("savedcmd := gcc -I{}/include x.c\n", src.display())
        );
        for f in ["drivers/.x.o.cmd", "drivers/x.o"] {
            let m = |d: &Path| fs::metadata(d.join(f)).unwrap().modified().unwrap();
            assert_eq!(m(&out), m(&bout), "{f} keeps its mtime");
        }
        use std::os::unix::fs::MetadataExt;
        let ino = |p: PathBuf| fs::metadata(p).unwrap().ino();
        assert_eq!(ino(src.join("include/a.h")), ino(bsrc.join("include/a.h")));
        assert!(!r.join("src/pol.partial").exists() && !r.join("build/pol.partial").exists());

        // Moving the source directory and re-pointing the build keeps mtimes too.
        let moved = r.join("src/moved");
        fs::rename(&src, &moved).unwrap();
        let before = fs::metadata(out.join("drivers/.x.o.cmd"))
            .unwrap()
            .modified()
            .unwrap();
        let done = repoint(&out, &src, &moved).unwrap();
        assert_eq!(done.rewritten, 2, "the command file and the source link");
        assert_eq!(source_of(&out).unwrap(), moved);
        let text = fs::read_to_string(out.join("drivers/.x.o.cmd")).unwrap();
        assert!(text.contains(&format!("-I{}/include", moved.display())));
        let after = fs::metadata(out.join("drivers/.x.o.cmd"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
    }
}
