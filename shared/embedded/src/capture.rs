//! A child's stdout and stderr written to files rather than pipes, and followed as they grow
//! (docs/ARCHITECTURE.md, "Program output"). Shared by the image builder and the run executor.
//!
//! Why not pipes: buildah's chroot runtime relays what a `RUN` step (or a run) prints with
//! non-blocking writes and drops what it still holds when the program ends. A pipe read at
//! the job log's pace fills up, and the end of the output is lost — measured with buildah
//! 1.28: a step printing 200,000 lines lost its last ~25 kB, which is where a failure is
//! explained and where buildah says how the program exited. A write to a regular file never
//! has to wait, so nothing is dropped.
//!
//! The files are unlinked temporary files. The portal reads each at its own offset
//! (`pread`, leaving the writer's offset alone) and frees what it has read by punching a hole,
//! so the disk holds only what is not yet read; when more than [`MAX_UNREAD`] is waiting (a
//! program printing faster than the log can take it), the oldest unread bytes are skipped and
//! counted instead of filling the disk.

use std::fs::File;
use std::process::Stdio;

/// Unread output kept at most per stream; beyond it the oldest unread bytes are skipped.
pub const MAX_UNREAD: u64 = 64 << 20;
/// After a skip, this much of the newest output is left to read.
const KEEP_AFTER_SKIP: u64 = MAX_UNREAD / 2;
/// Read bytes are freed on disk once this much has accumulated.
const FREE_EVERY: u64 = 1 << 20;

/// What one read of a followed file gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// The next `n` bytes of output, in the caller's buffer.
    Bytes(usize),
    /// Bytes of output passed over unread: the program wrote faster than it was read.
    Skipped(u64),
    /// Nothing new was written since the last read.
    Nothing,
}

/// One output stream of a child, captured in an unlinked file.
#[derive(Debug)]
pub struct Followed {
    file: File,
    /// Offset of the next byte to read.
    read: u64,
    /// Bytes before this offset are freed on disk.
    freed: u64,
}

impl Followed {
    /// A new capture, and the `Stdio` to give the child for that stream.
    pub fn new() -> std::io::Result<(Self, Stdio)> {
        let file = tempfile::tempfile()?;
        let for_child = file.try_clone()?;
        Ok((Self { file, read: 0, freed: 0 }, Stdio::from(for_child)))
    }

    /// Reads the next bytes written into `buf`.
    pub fn next(&mut self, buf: &mut [u8]) -> std::io::Result<Chunk> {
        let len = self.file.metadata()?.len();
        // A program may truncate its own output file; reading goes on from the new end.
        if len < self.read {
            self.read = len;
            self.freed = self.freed.min(len);
        }
        if len - self.read > MAX_UNREAD {
            let skipped = len - KEEP_AFTER_SKIP - self.read;
            self.read += skipped;
            self.free();
            return Ok(Chunk::Skipped(skipped));
        }
        if len == self.read {
            return Ok(Chunk::Nothing);
        }
        let n = read_at(&self.file, buf, self.read)?;
        if n == 0 {
            return Ok(Chunk::Nothing);
        }
        self.read += n as u64;
        if self.read - self.freed >= FREE_EVERY {
            self.free();
        }
        Ok(Chunk::Bytes(n))
    }

    /// Frees the disk blocks of what was read (the file keeps its length and offsets).
    fn free(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let (start, len) = (self.freed as libc::off_t, (self.read - self.freed) as libc::off_t);
            // SAFETY: fallocate(2) on a file descriptor this struct owns; no memory is shared.
            // A file system without hole punching keeps the bytes: reading is unaffected.
            unsafe { libc::fallocate(self.file.as_raw_fd(), libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE, start, len) };
        }
        self.freed = self.read;
    }

    /// Bytes on disk not freed yet (for tests).
    #[cfg(test)]
    fn held(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        self.file.metadata().map(|m| m.blocks() * 512).unwrap_or(0)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(_: &File, _: &mut [u8], _: u64) -> std::io::Result<usize> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "output capture needs a Unix host"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn read_all(f: &mut Followed) -> (Vec<u8>, u64) {
        let (mut out, mut skipped, mut buf) = (vec![], 0, vec![0u8; 64 * 1024]);
        loop {
            match f.next(&mut buf).unwrap() {
                Chunk::Bytes(n) => out.extend_from_slice(&buf[..n]),
                Chunk::Skipped(n) => skipped += n,
                Chunk::Nothing => return (out, skipped),
            }
        }
    }

    #[test]
    fn everything_a_child_writes_is_read_in_order_however_late_the_reader_comes() {
        let (mut out, stdio) = Followed::new().unwrap();
        let status = Command::new("sh").args(["-c", "seq 1 200000"]).stdout(stdio).status().unwrap();
        assert!(status.success());
        let (bytes, skipped) = read_all(&mut out);
        assert_eq!(skipped, 0);
        let expected: String = (1..=200_000).map(|i| format!("{i}\n")).collect();
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
        assert_eq!(out.next(&mut [0u8; 16]).unwrap(), Chunk::Nothing);
    }

    #[test]
    fn output_is_read_while_the_child_still_writes() {
        let (mut out, stdio) = Followed::new().unwrap();
        let mut child = Command::new("sh").args(["-c", "echo first; sleep 5; echo second"]).stdout(stdio).spawn().unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 64];
        let first = loop {
            if let Chunk::Bytes(n) = out.next(&mut buf).unwrap() {
                break String::from_utf8_lossy(&buf[..n]).into_owned();
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(4), "the first line did not arrive while the child ran");
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        assert_eq!(first, "first\n");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    #[test]
    fn read_output_is_freed_on_disk_and_a_flood_is_skipped_not_stored() {
        let (mut out, stdio) = Followed::new().unwrap();
        // 3 × MAX_UNREAD written before anything is read.
        let count = (3 * MAX_UNREAD / (1 << 20)).to_string();
        let status =
            Command::new("dd").args(["if=/dev/zero", "bs=1M", &format!("count={count}")]).stdout(stdio).stderr(Stdio::null()).status().unwrap();
        assert!(status.success());
        let (bytes, skipped) = read_all(&mut out);
        assert_eq!(skipped, 3 * MAX_UNREAD - KEEP_AFTER_SKIP, "the oldest unread bytes are skipped");
        assert_eq!(bytes.len() as u64, KEEP_AFTER_SKIP, "the newest are read");
        assert!(out.held() < 2 * FREE_EVERY, "{} bytes still on disk after everything was read", out.held());
    }
}
