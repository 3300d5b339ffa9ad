#!/bin/sh
# unpack-tree.sh TAR DIR NAME: a suite's tree built on the host (one top directory in TAR) into
# DIR, emptied first; prints NAME=DIR.
set -eu
rm -rf "$2" && mkdir -p "$2"
tar -C "$2" --strip-components=1 -xf "$1"
echo "$3=$2"
