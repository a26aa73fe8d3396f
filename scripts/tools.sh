#!/usr/bin/env bash
# The tools the project's scripts and tests need, checked (and installed where it can) before
# anything runs, so that a log says exactly what ran.
#
#   ./scripts/tools.sh            check everything the test command needs, install what is missing
#   ./scripts/tools.sh --run      only what `./scripts/run.sh` needs (git, buildah, skopeo, node)
#   ./scripts/tools.sh --relock   re-install the Python tools from python-tools.txt alone and
#                                 rewrite python-tools.lock from what pip resolved
#   . scripts/tools.sh            (sourced) defines the functions below; the scripts source it
#
# System tools (git, buildah, skopeo, chromium, node, …) come from Debian's packages: a missing
# or too old one is installed with apt-get when running as root, otherwise named with the exact
# command to install it. The Python tools (python-tools.txt, exact versions) live in the
# project's own virtual environment, target/tools/venv, never in the system Python: whatever
# else is installed on the machine (another moto on PATH, say) is not used. After setup,
# PATH starts with the venv's bin and DEVPORTAL_PYTHON names its python3 (the test harness
# starts moto with it, tests/src/moto.rs).

TOOLS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_VENV="$TOOLS_ROOT/target/tools/venv"
TOOLS_PINS="$TOOLS_ROOT/scripts/python-tools.txt"
TOOLS_LOCK="$TOOLS_ROOT/scripts/python-tools.lock"

tools_say() { printf '%s\n' "$*" >&2; }

# version_ge A B: is dotted version A >= B?
version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# The first dotted version number in a command's output.
first_version() {
  grep -oE '[0-9]+(\.[0-9]+)+' | head -n1
}

APT_UPDATED=""
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    return 1
  fi
  if [ -z "$APT_UPDATED" ]; then
    apt-get update -qq >&2 || return 1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# need_tool NAME MIN_VERSION "VERSION COMMAND" "APT PACKAGES" [HINT]
# Checks a system tool; installs it through apt-get when missing or too old (as root), else
# fails naming the command that fixes it. Prints "NAME VERSION (path)".
need_tool() {
  local name="$1" min="$2" vcmd="$3" pkgs="$4" hint="${5:-}"
  local have=""
  if command -v "$name" >/dev/null 2>&1; then
    have="$(eval "$vcmd" 2>&1 | first_version || true)"
  fi
  if [ -z "$have" ] || ! version_ge "$have" "$min"; then
    if [ -n "$pkgs" ]; then
      tools_say "$name ${have:-missing} (need >= $min): installing $pkgs with apt-get"
      # shellcheck disable=SC2086
      apt_install $pkgs || true
      hash -r
      have=""
      command -v "$name" >/dev/null 2>&1 && have="$(eval "$vcmd" 2>&1 | first_version || true)"
    fi
    if [ -z "$have" ] || ! version_ge "$have" "$min"; then
      tools_say "error: $name ${have:-is missing} but >= $min is needed."
      if [ -n "$hint" ]; then
        tools_say "  fix: $hint"
      elif [ -n "$pkgs" ]; then
        tools_say "  fix: sudo apt-get update && sudo apt-get install -y $pkgs"
      fi
      return 1
    fi
  fi
  printf '  %-22s %-12s %s\n' "$name" "$have" "$(command -v "$name")"
}

# need_file PATH "APT PACKAGES": a file a package provides (busybox for test images).
need_file() {
  local path="$1" pkgs="$2"
  if [ ! -e "$path" ]; then
    apt_install $pkgs || true
  fi
  if [ ! -e "$path" ]; then
    tools_say "error: $path is missing. fix: sudo apt-get install -y $pkgs"
    return 1
  fi
  printf '  %-22s %-12s %s\n' "$(basename "$path")" "present" "$path"
}

# What running the portal needs.
system_tools_run() {
  need_tool git 2.30 "git --version" "git" &&
    need_tool buildah 1.28 "buildah --version" "buildah" &&
    need_tool skopeo 1.9 "skopeo --version" "skopeo" &&
    need_tool unshare 2.38 "unshare --version" "util-linux" &&
    need_tool node 20.19 "node --version" "" \
      "install Node.js 20.19 or newer (the web UI's Vite 7 needs it; Debian 12's nodejs package is 18, too old: use NodeSource's nodejs 20 package)" &&
    need_tool npm 10.0 "npm --version" "" "npm comes with Node.js 20 or newer"
}

# What the whole test suite needs, beyond running the portal.
system_tools_test() {
  system_tools_run &&
    need_tool ssh-keygen 8.0 "ssh -V" "openssh-client" &&
    need_tool python3 3.10 "python3 --version" "python3 python3-venv" &&
    need_tool gcc 10 "gcc --version" "gcc libc6-dev" &&
    need_tool chromium 120 "chromium --version" "chromium" &&
    need_file /bin/busybox "busybox-static" &&
    need_tool cargo 1.85 "cargo --version" "" "install the Rust toolchain with rustup (rust-version in Cargo.toml)" &&
    rust_arm64_target
}

rust_arm64_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu; then
    rustup target add aarch64-unknown-linux-gnu >&2 || {
      tools_say "error: cannot add the Rust target aarch64-unknown-linux-gnu (the arm64 Lambda zips need it)."
      tools_say "  fix: rustup target add aarch64-unknown-linux-gnu"
      return 1
    }
  fi
  printf '  %-22s %-12s %s\n' "rust target" "aarch64" "aarch64-unknown-linux-gnu"
}

# The groups of python-tools.txt, in order.
tools_groups() {
  sed -n 's/^\[\([a-z0-9-]*\)\][[:space:]]*$/\1/p' "$TOOLS_PINS"
}

# The lines of one group of a sectioned file (python-tools.txt or .lock), comments dropped.
tools_section() {
  awk -v want="[$2]" '
    /^\[[a-z0-9-]*\][[:space:]]*$/ { cur = $1; next }
    { sub(/#.*/, ""); gsub(/^[ \t]+|[ \t]+$/, "") }
    cur == want && $0 != "" { print }
  ' "$1"
}

tools_venv_of() {
  if [ "$1" = tools ]; then echo "$TOOLS_VENV"; else echo "$TOOLS_VENV-$1"; fi
}

# The stamp says which pins and lock a venv was built from.
tools_stamp() {
  {
    tools_section "$TOOLS_PINS" "$1"
    if [ -f "$TOOLS_LOCK" ]; then tools_section "$TOOLS_LOCK" "$1"; fi
  } | sha256sum | cut -d' ' -f1
}

# python_tools [--relock]: a venv per group with the pinned Python tools; exports PATH (every
# group's bin, `tools` first) and DEVPORTAL_PYTHON (the `tools` venv's python3).
python_tools() {
  local relock="${1:-}" group venv stamp_file reqs cons newlock path_add=""
  newlock=$(mktemp)
  for group in $(tools_groups); do
    venv=$(tools_venv_of "$group")
    stamp_file="$venv/.devportal-stamp"
    if [ "$relock" = "--relock" ] || [ ! -x "$venv/bin/python3" ] || [ "$(cat "$stamp_file" 2>/dev/null)" != "$(tools_stamp "$group")" ]; then
      tools_say "python tools [$group]: (re)creating $venv from scripts/python-tools.txt"
      rm -rf "$venv"
      mkdir -p "$(dirname "$venv")"
      if ! python3 -m venv "$venv" >&2; then
        apt_install python3-venv || true
        rm -rf "$venv"
        python3 -m venv "$venv" >&2 || {
          tools_say "error: python3 cannot create a virtual environment. fix: sudo apt-get install -y python3-venv"
          return 1
        }
      fi
      reqs="$venv/requirements.txt"
      cons="$venv/constraints.txt"
      tools_section "$TOOLS_PINS" "$group" >"$reqs"
      : >"$cons"
      if [ "$relock" != "--relock" ] && [ -f "$TOOLS_LOCK" ]; then
        tools_section "$TOOLS_LOCK" "$group" >"$cons"
      fi
      "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check \
        --requirement "$reqs" --constraint "$cons" >&2 || {
        tools_say "error: installing the Python tools of [$group] failed (see above)"
        return 1
      }
      tools_stamp "$group" >"$stamp_file"
    fi
    if [ "$relock" = "--relock" ]; then
      { echo "[$group]"; "$venv/bin/python3" -m pip freeze --disable-pip-version-check | grep -v '^-e '; echo; } >>"$newlock"
    fi
    path_add="$path_add${path_add:+:}$venv/bin"
    # Fails loudly when what is installed differs from the pins (prints every tool's version).
    "$venv/bin/python3" "$TOOLS_ROOT/scripts/check_tools.py" "$group" "$TOOLS_PINS" "$TOOLS_LOCK" || return 1
  done
  if [ "$relock" = "--relock" ]; then
    {
      echo "# Every package the Python tools pulled in, per group, at the versions pip resolved."
      echo "# Generated by ./scripts/tools.sh --relock from python-tools.txt; used as constraints."
      echo
      cat "$newlock"
    } >"$TOOLS_LOCK"
    tools_say "python tools: wrote scripts/python-tools.lock"
    # The stamps now include the new lock.
    for group in $(tools_groups); do tools_stamp "$group" >"$(tools_venv_of "$group")/.devportal-stamp"; done
  fi
  rm -f "$newlock"
  export PATH="$path_add:$PATH"
  export DEVPORTAL_PYTHON="$TOOLS_VENV/bin/python3"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    --run) echo "system tools:"; system_tools_run ;;
    --relock) python_tools --relock ;;
    "") echo "system tools:"; system_tools_test; python_tools ;;
    *) echo "usage: $0 [--run|--relock]" >&2; exit 2 ;;
  esac
fi
