//! A gzip'd `newc` cpio initramfs holding the guest agent as `/init`, its `/script`, the
//! mount points, and `/dev/console` (the kernel opens it for init's stdin/stdout before
//! devtmpfs is mounted; without it the agent's output goes nowhere).

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::{self, Write};
use std::path::Path;

struct Entry<'a> {
    name: &'a str,
    mode: u32,
    rdev: (u32, u32),
    data: &'a [u8],
}

fn header(out: &mut Vec<u8>, ino: u32, e: &Entry) {
    let namesize = e.name.len() + 1;
    let fields = [
        ino,
        e.mode,
        0, // uid
        0, // gid
        1, // nlink
        0, // mtime: fixed, so the archive is reproducible
        e.data.len() as u32,
        0, // devmajor
        0, // devminor
        e.rdev.0,
        e.rdev.1,
        namesize as u32,
        0, // check
    ];
    out.extend_from_slice(b"070701");
    for f in fields {
        out.extend_from_slice(format!("{f:08X}").as_bytes());
    }
    out.extend_from_slice(e.name.as_bytes());
    out.push(0);
    pad4(out);
    out.extend_from_slice(e.data);
    pad4(out);
}

fn pad4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// The archive's bytes, uncompressed.
pub fn cpio(init: &[u8], script: &str) -> Vec<u8> {
    const DIR: u32 = 0o040755;
    let entries = [
        Entry {
            name: "dev",
            mode: DIR,
            rdev: (0, 0),
            data: &[],
        },
        Entry {
            name: "dev/console",
            mode: 0o020600,
            rdev: (5, 1),
            data: &[],
        },
        Entry {
            name: "proc",
            mode: DIR,
            rdev: (0, 0),
            data: &[],
        },
        Entry {
            name: "sys",
            mode: DIR,
            rdev: (0, 0),
            data: &[],
        },
        Entry {
            name: "init",
            mode: 0o100755,
            rdev: (0, 0),
            data: init,
        },
        Entry {
            name: "script",
            mode: 0o100644,
            rdev: (0, 0),
            data: script.as_bytes(),
        },
    ];
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        header(&mut out, i as u32 + 1, e);
    }
    header(
        &mut out,
        0,
        &Entry {
            name: "TRAILER!!!",
            mode: 0,
            rdev: (0, 0),
            data: &[],
        },
    );
    out
}

/// Writes the gzip'd archive.
pub fn write(path: &Path, init: &[u8], script: &str) -> io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut gz = GzEncoder::new(file, Compression::default());
    gz.write_all(&cpio(init, script))?;
    gz.finish()?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_is_newc_with_init_script_and_console() {
        let a = cpio(b"\x7fELF", "bind 1 0000:00:02.0 pcieport\n");
        let text = String::from_utf8_lossy(&a);
        assert!(a.starts_with(b"070701"));
        for name in ["dev/console", "init", "script", "TRAILER!!!"] {
            assert!(text.contains(name), "{name}");
        }
        assert_eq!(a.len() % 4, 0);
        // The console is a character device 5:1.
        let at = text.find("dev/console").unwrap() - 110;
        let hdr = &text[at..at + 110];
        assert_eq!(&hdr[14..22], "00002180");
        assert_eq!(&hdr[78..86], "00000005");
        assert_eq!(&hdr[86..94], "00000001");
    }
}
