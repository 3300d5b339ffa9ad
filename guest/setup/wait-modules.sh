#!/bin/sh
# wait-modules.sh SECONDS: wait until stage two has loaded the late modules; print the ones that failed.
limit=$(( ${1:-60} * 20 ))
n=0
until [ -e /run/orchestrate/modules-ready ]; do
	[ $n -ge $limit ] && { echo "modules not ready after ${1:-60} s" >&2; exit 1; }
	sleep 0.05
	n=$((n + 1))
done
cat /run/orchestrate/modules.failed 2>/dev/null || true
