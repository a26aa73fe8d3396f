//! The pinned Python tools (`scripts/python-tools.txt`): the project's venv holds exactly the
//! pinned versions, and the check that `scripts/tools.sh` runs after every setup fails loudly
//! when a version differs — so a test run never silently uses another moto, cfn-lint or SAM CLI.

use devportal_tests::moto::project_python;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("scripts")
}

fn check(python: &Path, group: &str, pins: &Path) -> (bool, String) {
    let out = Command::new(python)
        .arg(scripts().join("check_tools.py"))
        .arg(group)
        .arg(pins)
        .arg(scripts().join("python-tools.lock"))
        .output()
        .expect("run check_tools.py");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn the_project_venv_holds_exactly_the_pinned_tools() {
    let python = project_python().expect("the project's venv (./scripts/tools.sh)");
    let (ok, output) = check(&python, "tools", &scripts().join("python-tools.txt"));
    assert!(ok, "{output}");
    assert!(output.contains("moto                     5.2.5"), "{output}");
}

#[test]
fn a_version_that_differs_from_the_pins_fails_loudly() {
    let python = project_python().expect("the project's venv (./scripts/tools.sh)");
    let pins = std::fs::read_to_string(scripts().join("python-tools.txt")).unwrap();
    assert!(pins.contains("moto[server]==5.2.5"), "the pins changed: update this test");
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("python-tools.txt");
    // What a fresh machine has system-wide: the check must refuse it.
    std::fs::write(&other, pins.replace("moto[server]==5.2.5", "moto[server]==5.2.1")).unwrap();
    let (ok, output) = check(&python, "tools", &other);
    assert!(!ok, "a wrong moto version passed the check:\n{output}");
    assert!(output.contains("moto: pinned 5.2.1, installed 5.2.5"), "{output}");
    assert!(output.contains("fix: "), "{output}");
}
