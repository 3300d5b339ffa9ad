#!/bin/sh
# needs.sh NEED...: for each need the guest does not meet, print "unmet: WHAT". Needs:
# device:PATH or file:PATH (it exists), package:NAME (dpkg has it installed), tool:NAME (on PATH).
for need; do
	kind=${need%%:*} what=${need#*:}
	case $kind in
	device | file) [ -e "$what" ] || echo "unmet: $what missing" ;;
	package) dpkg-query -W -f='${Status}' "$what" 2>/dev/null | grep -q 'ok installed' || echo "unmet: package $what not installed" ;;
	tool) command -v "$what" >/dev/null || echo "unmet: $what not found" ;;
	esac
done
exit 0
