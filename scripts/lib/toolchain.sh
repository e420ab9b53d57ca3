# Sourced by the scripts in scripts/: builds and runs the two test environments.
#   floor: Python 3.13 + Home Assistant 2025.4.4, a venv from pyenv's Python.
#   new:   Python >= 3.14.2 + Home Assistant 2026.10.4, a venv from a python3.14 on the machine,
#          or, when there is none, from a minimal Debian chroot built with debootstrap.
# Environments live under $DOE_CACHE (default ~/.cache/dynamic-ocpp-evse), are keyed by a hash
# of the pins, reused while the pins are unchanged and rebuilt when they change.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../toolchain.env
source "$ROOT/scripts/toolchain.env"
CACHE=${DOE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dynamic-ocpp-evse}
PINS_HASH=$(cat "$ROOT/scripts/toolchain.env" "$ROOT/requirements_test.txt" \
  "$ROOT/requirements_simulator.txt" | sha256sum | cut -c1-12)
ROOTFS="$CACHE/rootfs-$NEW_DEBIAN_SUITE"
FLOOR_VENV="$CACHE/venv-ha$FLOOR_HA-$PINS_HASH"
NEW_VENV=""     # path of the new venv as the runner sees it
NEW_CHROOT=0    # 1 when the new venv lives inside $ROOTFS

log() { printf '\n==> %s\n' "$*" >&2; }

# quiet_pip PYTHON ARGS...: pip, without the warnings a machine-wide pip.conf may cause about
# local indexes that do not exist.
quiet_pip() {
  local py=$1
  shift
  "$py" -m pip "$@" 2>&1 | { grep -v "^WARNING: Location '" || true; }
  return "${PIPESTATUS[0]}"
}

# prune_others DIR: remove the environments beside DIR that older pins left behind.
prune_others() {
  local keep=$1 other
  for other in "${keep%-*}"-*; do
    [ "$other" = "$keep" ] || rm -rf "$other"
  done
}

# python_at_least PY MIN: true when PY runs and its version is >= MIN.
python_at_least() {
  "$1" -c 'import sys; sys.exit(sys.version_info[:3] < tuple(map(int, sys.argv[1].split("."))))' "$2" \
    >/dev/null 2>&1
}

# install_venv PYTHON VENV HA PHCC REQUIREMENTS [EXTRA_CONSTRAINT...]: a fresh venv with the
# harness and the requirement files named in REQUIREMENTS (space-separated, relative to the
# project) under HA's own constraints file plus the extra constraint lines.
install_venv() {
  local py=$1 venv=$2 ha=$3 phcc=$4 requirements=$5 file
  shift 5
  rm -rf "$venv"
  "$py" -m venv "$venv"
  quiet_pip "$venv/bin/python" install --quiet --upgrade pip
  ha_constraints "$venv/bin/python" "$ha" "$venv/constraints.txt" "$@"
  local args=()
  for file in $requirements; do
    args+=(-r "$ROOT/$file")
  done
  quiet_pip "$venv/bin/python" install --quiet -c "$venv/constraints.txt" \
    "homeassistant==$ha" "pytest-homeassistant-custom-component==$phcc" "${args[@]}"
  touch "$venv/.complete"
}

# ha_constraints PYTHON HA OUT [EXTRA_CONSTRAINT...]: write HA's own pins (shipped inside its
# wheel) and the extra lines to OUT; without them pip backtracks for many minutes.
ha_constraints() {
  local py=$1 ha=$2 out=$3 wheels
  shift 3
  wheels=$(mktemp -d)
  quiet_pip "$py" download --quiet --no-deps --only-binary=:all: -d "$wheels" "homeassistant==$ha"
  "$py" - "$wheels" "$out" "$@" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("homeassistant-*.whl"))
text = zipfile.ZipFile(wheel).read("homeassistant/package_constraints.txt").decode()
pathlib.Path(sys.argv[2]).write_text("\n".join([text, *sys.argv[3:], ""]))
PY
  rm -rf "$wheels"
}

# floor_python: print pyenv's interpreter for FLOOR_PYTHON, or explain how to get it.
floor_python() {
  PYENV_VERSION=$FLOOR_PYTHON pyenv which "python${FLOOR_PYTHON%.*}" 2>/dev/null || {
    echo "Python $FLOOR_PYTHON not found: install it with 'pyenv install $FLOOR_PYTHON'" >&2
    return 1
  }
}

ensure_floor_env() {
  [ -f "$FLOOR_VENV/.complete" ] && return 0
  log "building the floor environment (Python $FLOOR_PYTHON, HA $FLOOR_HA) in $FLOOR_VENV"
  local py
  py=$(floor_python)
  prune_others "$FLOOR_VENV"
  # The floor also runs the simulator and its tests; the newest HA only what tests HA.
  install_venv "$py" "$FLOOR_VENV" "$FLOOR_HA" "$FLOOR_PHCC" \
    "requirements_test.txt requirements_simulator.txt" $FLOOR_EXTRA_CONSTRAINTS
}

# find_python314: print a python3.14 on this machine that is new enough, if any.
find_python314() {
  local candidate
  for candidate in "$(command -v python3.14 || true)" "$PYENV_ROOT"/versions/3.14*/bin/python3.14; do
    if [ -x "$candidate" ] && python_at_least "$candidate" "$NEW_PYTHON_MIN"; then
      echo "$candidate"
      return 0
    fi
  done 2>/dev/null
  return 1
}

# in_rootfs CMD...: run CMD inside the chroot, in the project directory, with a clean environment.
# The project (and the OCPP integration's releases, when known) are mounted at their own paths;
# the mounts live in a private mount namespace and vanish with the command.
in_rootfs() {
  unshare --mount --propagation private -- bash -c '
    set -e
    rootfs=$1 project=$2 releases=$3
    shift 3
    mount -t proc proc "$rootfs/proc"
    mount --bind /dev "$rootfs/dev"
    for dir in "$project" $releases; do
      mkdir -p "$rootfs$dir"
      mount --bind "$dir" "$rootfs$dir"
    done
    exec chroot "$rootfs" /usr/bin/env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
      PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 PYTHONDONTWRITEBYTECODE=1 \
      CI="${CI:-}" DEBIAN_FRONTEND=noninteractive DOE_OCPP_RELEASES="$releases" \
      /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$project" "$@"
  ' _ "$ROOTFS" "$ROOT" "${DOE_OCPP_RELEASES:-}" "$@"
}

# ensure_ocpp_releases: export DOE_OCPP_RELEASES, a folder with <tag>/custom_components/ocpp for
# every tag in OCPP_RELEASES: the vendored copies beside the project, else clones from upstream.
ensure_ocpp_releases() {
  local vendored="$ROOT/../shared/vendor/lbbrhzn-ocpp" tag missing=0
  for tag in $OCPP_RELEASES; do
    [ -f "$vendored/$tag/custom_components/ocpp/manifest.json" ] || missing=1
  done
  if [ "$missing" = 0 ]; then
    DOE_OCPP_RELEASES=$(cd "$vendored" && pwd)
  else
    DOE_OCPP_RELEASES="$CACHE/lbbrhzn-ocpp"
    for tag in $OCPP_RELEASES; do
      [ -f "$DOE_OCPP_RELEASES/$tag/custom_components/ocpp/manifest.json" ] && continue
      log "fetching the OCPP integration $tag from $OCPP_UPSTREAM (no vendored copy here)"
      rm -rf "$DOE_OCPP_RELEASES/$tag"
      git clone --quiet --depth 1 --branch "$tag" "$OCPP_UPSTREAM" "$DOE_OCPP_RELEASES/$tag"
    done
  fi
  export DOE_OCPP_RELEASES
}

# debian_mirror: print the Debian archive URI the machine's apt is configured with (deb822 sources
# first, then the one-line format); the project names no mirror of its own.
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
  [ -n "$uri" ] || uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }')
  [ -n "$uri" ] || { echo "no Debian mirror found in the machine's apt sources" >&2; return 1; }
  echo "${uri%/}"
}

ensure_rootfs() {
  [ -f "$ROOTFS/.complete" ] && return 0
  log "building a Debian $NEW_DEBIAN_SUITE chroot for Python 3.14 in $ROOTFS"
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  fi
  local mirror
  mirror=$(debian_mirror)
  rm -rf "$ROOTFS"
  # bookworm's debootstrap has no script for forky; sid's works for it.
  debootstrap --variant=minbase "$NEW_DEBIAN_SUITE" "$ROOTFS" "$mirror" \
    /usr/share/debootstrap/scripts/sid >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/debootstrap.log" >&2; return 1; }
  # The testing suite's Release file is often past its Valid-Until date.
  echo 'Acquire::Check-Valid-Until "false";' >"$ROOTFS/etc/apt/apt.conf.d/99no-valid-until"
  cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" 2>/dev/null || true
  in_rootfs apt-get update -qq
  in_rootfs apt-get install -y -qq --no-install-recommends python3.14 python3.14-venv ca-certificates \
    >/dev/null
  in_rootfs update-ca-certificates >/dev/null
  touch "$ROOTFS/.complete"
}

ensure_new_env() {
  local py
  if py=$(find_python314); then
    NEW_VENV="$CACHE/venv-ha$NEW_HA-$PINS_HASH"
    [ -f "$NEW_VENV/.complete" ] && return 0
    log "building the new environment ($py, HA $NEW_HA) in $NEW_VENV"
    prune_others "$NEW_VENV"
    install_venv "$py" "$NEW_VENV" "$NEW_HA" "$NEW_PHCC" requirements_test.txt
    return 0
  fi
  mkdir -p "$CACHE"
  ensure_rootfs
  NEW_CHROOT=1
  NEW_VENV="/opt/venv-ha$NEW_HA-$PINS_HASH"
  [ -f "$ROOTFS$NEW_VENV/.complete" ] && return 0
  log "building the new environment (chroot python3.14, HA $NEW_HA) in $ROOTFS$NEW_VENV"
  prune_others "$ROOTFS$NEW_VENV"
  # install_venv runs inside the chroot: hand it the function and the pins.
  in_rootfs bash -c "$(declare -f install_venv ha_constraints quiet_pip); ROOT='$ROOT'; set -euo pipefail; \
    install_venv python3.14 '$NEW_VENV' '$NEW_HA' '$NEW_PHCC' requirements_test.txt"
}

# run_floor TOOL ARGS...: run a tool of the floor venv in the project directory.
run_floor() { (cd "$ROOT" && "$FLOOR_VENV/bin/$1" "${@:2}"); }

# run_new TOOL ARGS...: run a tool of the new venv in the project directory.
run_new() {
  if [ "$NEW_CHROOT" = 1 ]; then
    in_rootfs "$NEW_VENV/bin/$1" "${@:2}"
  else
    (cd "$ROOT" && "$NEW_VENV/bin/$1" "${@:2}")
  fi
}
