//! Tiny connector repositories for pipeline tests: a busybox base image built first (nothing
//! can be pulled from a public registry), and Git repositories of connectors that are good,
//! fail their health check, hang in it, or carry a broken Dockerfile.

use crate::git_fixtures::BareRepo;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The base image every fixture builds `FROM`.
pub const BASE_IMAGE: &str = "localhost/devportal-test-base:latest";

const INSTALL_HINT: &str = "install the builder's tools: apt-get install -y buildah skopeo busybox-static (scripts/test.sh does)";

/// Builds the base image once per test process: busybox on scratch, giving `RUN` a shell.
pub fn base_image() -> &'static str {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        // Reuse the image when it is there: rebuilding would untag it under builds in flight.
        let exists = Command::new("buildah")
            .args(["--storage-driver", "vfs", "inspect", "--type", "image", BASE_IMAGE])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("cannot run buildah ({e}): {INSTALL_HINT}"))
            .success();
        if exists {
            return;
        }
        let dir = tempfile::Builder::new().prefix("devportal-base-").tempdir().unwrap();
        std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap_or_else(|e| panic!("/bin/busybox is missing ({e}): {INSTALL_HINT}"));
        std::fs::write(
            dir.path().join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\",\"--install\",\"-s\",\"/bin\"]\n",
        )
        .unwrap();
        let out = Command::new("buildah")
            .args(["--storage-driver", "vfs", "bud", "--isolation", "chroot", "-t", BASE_IMAGE, "-f", "Dockerfile", "."])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run buildah ({e}): {INSTALL_HINT}"));
        assert!(
            out.status.success(),
            "building the base image failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    });
    BASE_IMAGE
}

/// `main.sh`: exits 0 for `--health-check`, otherwise prints what it got.
pub const HEALTHY_SCRIPT: &str = "#!/bin/sh\ncase \"$1\" in\n  --health-check) echo healthy; exit 0 ;;\nesac\necho \"running $*\"\n";

/// A Dockerfile copying `main.sh`; `extra` adds build steps (e.g. a slow `RUN`).
pub fn dockerfile(extra: &str) -> String {
    format!("FROM {BASE_IMAGE}\nCOPY main.sh /app/main.sh\n{extra}CMD [\"sh\", \"/app/main.sh\"]\n")
}

/// A connector whose health check runs the shell fragment `check`.
pub fn connector_repo(check: &str, extra_build_steps: &str) -> BareRepo {
    base_image();
    let script = format!("#!/bin/sh\ncase \"$1\" in\n  --health-check) {check} ;;\nesac\necho \"running $*\"\n");
    BareRepo::create(&[("Dockerfile", &dockerfile(extra_build_steps)), ("main.sh", &script)], "main")
}

/// The good connector (its build takes a moment, so its log can be read while it runs).
pub fn good_repo() -> BareRepo {
    connector_repo("echo healthy; exit 0", "RUN echo build-step-one; sleep 2; echo build-step-two\n")
}

/// Health check exits with code 3.
pub fn failing_check_repo() -> BareRepo {
    connector_repo("echo unhealthy >&2; exit 3", "")
}

/// Health check sleeps past the 5 s limit.
pub fn sleeping_check_repo() -> BareRepo {
    connector_repo("sleep 30", "")
}

/// A Dockerfile buildah cannot parse.
pub fn broken_dockerfile_repo() -> BareRepo {
    base_image();
    BareRepo::create(&[("Dockerfile", &format!("FROM {BASE_IMAGE}\nFROBNICATE everything\n")), ("main.sh", HEALTHY_SCRIPT)], "main")
}
