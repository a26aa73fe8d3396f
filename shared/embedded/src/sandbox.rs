//! The sandbox every tenant program on this host runs in — a build's `RUN` steps, its health
//! check, and connector runs — and how such a program is started and ended. The builder and
//! the run executor both start `buildah` only through this module, so the promises of
//! docs/ARCHITECTURE.md ("Build isolation", "Run isolation") hold for both:
//!
//! - **no capabilities**: `--isolation chroot --cap-drop ALL` ([`CONFINED`]) — uid 0 inside
//!   that cannot `chroot` out, mount, trace or read what its root does not hold;
//! - **a PID namespace of its own**: buildah runs under `unshare -p -f --kill-child
//!   --mount-proc`, so the program sees only its own buildah and itself in `/proc`, never
//!   another tenant's process (whose command line or environment could carry secrets); the
//!   namespace dies with buildah (`--kill-child`: when `unshare` dies, so does everything in it);
//! - **none of the portal's environment** in buildah, PID 1 of that namespace (only `PATH`,
//!   `TMPDIR`, `HOME`);
//! - **no network** when asked ([`Network::None`]: `unshare -n`, not even a working loopback);
//! - **per-process limits** ([`set_rlimits`], set in the child before it executes `unshare`,
//!   inherited by buildah and the program: `buildah run` has no `--ulimit`);
//! - **its own process group** (killed as a whole by [`kill_group`]) and `PR_SET_PDEATHSIG`
//!   ([`die_with_parent`]): nothing outlives a stop or the portal.
//!
//! [`STORAGE_LOCK`] orders the commands that write buildah's storage.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::process::Command;

/// buildah's vfs storage loses a layer ("layer not known") when an image is removed while
/// another image is being committed in the same storage. Everything that writes images into it
/// (`bud`, `from`) holds this lock shared; removing images or containers holds it exclusively,
/// so with several builds at once a finished build's clean-up waits for the others' commits.
/// Process-wide: every builder and run executor of a process shares buildah's storage.
pub static STORAGE_LOCK: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// The flags that confine what `buildah bud` runs (its `RUN` steps) and what `buildah run`
/// runs: chroot isolation (the OCI runtime does not work on this kernel's cgroups) and uid 0
/// without a single capability.
pub const CONFINED: [&str; 4] = ["--isolation", "chroot", "--cap-drop", "ALL"];

/// Whether the confined program keeps the host's network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Network {
    /// The host's network (build steps install packages; runs call the portal's run API).
    Host,
    /// A network namespace with no interface at all (the health check).
    None,
}

/// The programs the sandbox is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sandbox {
    /// The buildah program (a name looked up in `PATH`, or a path).
    pub buildah: String,
    /// The `unshare` program (util-linux).
    pub unshare: String,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self { buildah: "buildah".into(), unshare: "unshare".into() }
    }
}

impl Sandbox {
    /// `buildah --storage-driver vfs` for storage commands that run no tenant code (`from`,
    /// `config`, `rm`, `rmi`, `push`); dies with the portal.
    pub fn buildah(&self) -> Command {
        let mut cmd = Command::new(&self.buildah);
        die_with_parent(&mut cmd);
        cmd.args(["--storage-driver", "vfs"]);
        cmd
    }

    /// `unshare [-n] -p -f --kill-child --mount-proc <buildah> --storage-driver vfs`: add
    /// buildah's command (`bud`, `run`) followed by [`CONFINED`]. Dies with the portal.
    ///
    /// buildah is resolved here, so a missing buildah is a spawn error naming buildah (`NotFound`)
    /// rather than `unshare` failing to execute it.
    pub fn confined(&self, network: Network) -> std::io::Result<Command> {
        let buildah =
            resolve(&self.buildah).ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{} is not installed", self.buildah)))?;
        let mut cmd = Command::new(&self.unshare);
        die_with_parent(&mut cmd);
        // buildah is PID 1 of the namespace the tenant's program sees: it carries none of the
        // portal's environment (a secret key, credentials), only what buildah needs.
        cmd.env_clear();
        for var in ["PATH", "TMPDIR", "HOME"] {
            if let Some(value) = std::env::var_os(var) {
                cmd.env(var, value);
            }
        }
        if network == Network::None {
            cmd.arg("-n");
        }
        // A PID namespace (`-p`) needs a fork to take effect; `--mount-proc` gives buildah a
        // /proc of that namespace, which the chroot runtime mounts into the container;
        // `--kill-child` ends buildah (PID 1 there, so every process in it) when unshare dies.
        cmd.args(["-p", "-f", "--kill-child", "--mount-proc"]).arg(buildah).args(["--storage-driver", "vfs"]);
        Ok(cmd)
    }
}

/// `program` as a path: itself when it names one, else the first executable of that name in
/// `PATH`.
fn resolve(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return is_executable(Path::new(program)).then(|| PathBuf::from(program));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    path.is_file()
}

/// A child the portal starts must not outlive it: if the portal is killed (SIGKILL cannot be
/// caught), an orphaned `git clone` or `buildah` would keep writing into a job's directories
/// while the restarted portal runs the same job again, or a run would go on unwatched.
pub fn die_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// A per-process resource limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rlimit {
    /// `RLIMIT_DATA`: heap and private writable mappings of one process.
    Data,
    /// `RLIMIT_NPROC`: processes of the uid. Linux does not apply it to uid 0 of the initial
    /// user namespace (the chroot's root is the host's root), so it is set for programs that
    /// might drop to another uid, not as a fork-bomb guard (docs/ARCHITECTURE.md).
    Nproc,
    /// `RLIMIT_FSIZE`: the largest file one process can write.
    Fsize,
    /// `RLIMIT_NOFILE`: open files of one process.
    Nofile,
}

#[cfg(target_os = "linux")]
impl Rlimit {
    fn resource(self) -> libc::__rlimit_resource_t {
        match self {
            Self::Data => libc::RLIMIT_DATA,
            Self::Nproc => libc::RLIMIT_NPROC,
            Self::Fsize => libc::RLIMIT_FSIZE,
            Self::Nofile => libc::RLIMIT_NOFILE,
        }
    }
}

/// Resource limits (soft = hard) set in the child before it runs its program; its children
/// inherit them. Writing past `RLIMIT_FSIZE` raises SIGXFSZ, which is ignored so the write
/// fails with `EFBIG` and the program reports it.
pub fn set_rlimits(cmd: &mut Command, limits: &[(Rlimit, u64)]) {
    #[cfg(target_os = "linux")]
    {
        let limits: Vec<_> = limits.iter().map(|&(r, v)| (r.resource(), v)).collect();
        // SAFETY: setrlimit(2) and signal(2) are async-signal-safe; the closure only reads
        // its own copy of the limits.
        unsafe {
            cmd.pre_exec(move || {
                for &(resource, value) in &limits {
                    let l = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
                    if libc::setrlimit(resource, &l) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (cmd, limits);
}

/// Runs a clean-up command, ignoring its output and outcome.
pub async fn quiet(mut cmd: Command) {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.status()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_resolved_in_path_or_by_path() {
        assert!(resolve("sh").is_some_and(|p| p.is_absolute()));
        assert_eq!(resolve("/bin/sh"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(resolve("/nonexistent/bin/buildah"), None);
        assert_eq!(resolve("devportal-no-such-program"), None);
    }
}
