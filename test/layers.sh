#!/usr/bin/env bash
# The gateway's layers (README, Layout: base < db < client < docs < actions
# < edge < the top level: main.c, startup.c, shutdown.c): every #include
# "..." in a file names a header by its folder ("db/pool.h"; the top
# level's own headers by name alone, from the top level only) and reaches
# only its own folder or one before it.  Prints each include that reaches
# up, or names no existing header, and exits 1 if there is one.
#
#   test/layers.sh [GATEWAY_DIR]     (default: the repository's gateway/)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gw=${1:-$root/gateway}
layers=(base db client docs actions edge)

rank() {						# rank FOLDER: its place in the order; the top level is last
	local i
	for i in "${!layers[@]}"; do
		[ "${layers[$i]}" = "$1" ] && { echo "$i"; return 0; }
	done
	[ "$1" = . ] && { echo "${#layers[@]}"; return 0; }
	echo -1
}

bad=0
files=0
shopt -s nullglob
for f in "$gw"/*.[ch] "$gw"/*/*.[ch]; do
	rel=${f#"$gw"/}
	folder=$(dirname "$rel")
	own=$(rank "$folder")
	files=$((files + 1))
	if [ "$own" -lt 0 ]; then
		echo "layers: $rel is in a folder that is no layer (${layers[*]})"
		bad=1
		continue
	fi
	while IFS=: read -r line inc; do
		[ -n "$inc" ] || continue
		target=$(dirname "$inc")
		to=$(rank "$target")
		if [ "$target" = . ] && [ "$folder" = . ] && [ -f "$gw/$inc" ]; then
			continue			# the top level's own headers (startup.h, shutdown.h)
		elif [ "$target" = . ] || [ "$to" -lt 0 ] || [ ! -f "$gw/$inc" ]; then
			echo "layers: $rel:$line includes \"$inc\": not a header of a layer folder"
			bad=1
		elif [ "$to" -gt "$own" ]; then
			echo "layers: $rel:$line includes \"$inc\": $target is above $folder"
			bad=1
		fi
	done < <(awk '/^[ \t]*#[ \t]*include[ \t]*"/ { split($0, q, "\""); print FNR ":" q[2] }' "$f")
done
[ "$files" -gt 0 ] || { echo "layers: no sources under $gw"; exit 1; }
[ $bad = 0 ] && echo "layers: $files files, every include reaches down (${layers[*]} < top level)"
exit $bad
