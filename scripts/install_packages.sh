#!/usr/bin/env bash
# install_packages.sh PACKAGE...: installs the Debian packages that are missing, quietly, and says
# nothing when all are there. Needs root only when something is missing.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0
if ((EUID != 0)); then
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: run this as root, or install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
