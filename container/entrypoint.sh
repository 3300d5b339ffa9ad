#!/bin/sh
# The image's entrypoint (under tini): apt's package lists as fresh as a day, since Debian's archive
# drops a kernel package when its successor lands, then orchestrate with the container's arguments.
set -eu
lists="${ORCHESTRATE_APT_LISTS:-/var/lib/apt/lists}"
if [ -z "$(find "$lists" -maxdepth 0 -mmin -1440 2>/dev/null)" ]; then
  apt-get update -qq >/dev/null 2>&1 || echo "orchestrate: apt-get update failed; using the image's package lists" >&2
fi
exec orchestrate "$@"
