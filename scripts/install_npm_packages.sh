#!/usr/bin/env bash
# install_npm_packages.sh PROJECT_DIR INSTALL_DIR: the npm packages PROJECT_DIR's package.json and
# package-lock.json pin, installed with `npm ci` into INSTALL_DIR/node_modules (in the build
# tree, not the source tree). Quiet and quick when they are already there; Node.js and npm come
# from Debian when the machine has none. Install scripts are not run: the packages used here
# work without them.
set -euo pipefail
project=$1 target=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v npm >/dev/null || bash "$here/install_packages.sh" nodejs npm
if [[ -f $target/.installed ]] && cmp -s "$project/package-lock.json" "$target/package-lock.json"; then
  exit 0
fi
mkdir -p "$target"
rm -f "$target/.installed"  # written only when npm ci has finished: an interrupted install is redone
cp "$project/package.json" "$project/package-lock.json" "$target/"
echo "setup: installing npm packages of $(basename "$project") into $target"
(cd "$target" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
touch "$target/.installed"
