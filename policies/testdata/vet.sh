#!/bin/sh
# vet.sh checks the policies against their fixtures with the cue CLI alone
# (the Go test generator/baseline_test.go does it with gen's policy
# engine, from the YAML objects). For each policies/testdata/<policy>/:
#
#   pass*.json, fail*.json  the #Input of the first object of the .yaml
#                           fixture of the same name, in env.json's
#                           environment;
#   want.txt                per fail fixture, the fields one of which the
#                           error must name.
#
# Every .json must be an #Input; a pass fixture must satisfy the policy's
# check, or be outside its kinds or environments; a fail fixture must be
# inside them and not satisfy the check, with an error at a wanted field.
#
# Usage, from anywhere: sh policies/testdata/vet.sh [policy...]
# CUE names the cue binary (default: cue).
set -u
cd "$(dirname "$0")/../.." || exit 2
CUE=${CUE:-cue}
status=0
policies=${*:-$(cd policies/testdata && for d in */; do echo "${d%/}"; done)}
for p in $policies; do
	dir=policies/testdata/$p
	pol="policies[\"$p\"]"
	env=$("$CUE" export --out text "$dir/env.json" -e name) || { status=1; continue; }
	for f in "$dir"/pass*.json "$dir"/fail*.json; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .json)
		if ! out=$("$CUE" vet -c -d '#Input' ./schema "$f" 2>&1); then
			echo "FAIL $f: not an #Input:"; echo "$out"; status=1; continue
		fi
		kind=$("$CUE" export --out text "$f" -e kind)
		applies=$("$CUE" export --out json ./policies -e "len([for k in $pol.kinds if k == \"*\" || k == \"$kind\" {k}]) > 0 && len([for e in $pol.environments if e == \"*\" || e == \"$env\" {e}]) > 0")
		out=$("$CUE" vet -c -d "$pol.check" ./policies "$f" 2>&1)
		rc=$?
		case $name in
		pass*)
			if [ "$applies" != true ]; then
				echo "ok   $f (does not apply to a $kind in $env)"
			elif [ $rc -ne 0 ]; then
				echo "FAIL $f: want no error, got:"; echo "$out"; status=1
			else
				echo "ok   $f"
			fi ;;
		fail*)
			fields=$(awk -v f="$name.yaml" '$1 == f { print $3 }' "$dir/want.txt")
			if [ "$applies" != true ]; then
				echo "FAIL $f: the policy does not apply to a $kind in $env"; status=1; continue
			elif [ $rc -eq 0 ]; then
				echo "FAIL $f: want an error, got none"; status=1; continue
			fi
			hit=
			for field in $fields; do
				echo "$out" | grep -q "^$field: " && hit=$field
			done
			if [ -z "$hit" ]; then
				echo "FAIL $f: want an error at one of [$fields], got:"; echo "$out"; status=1
			else
				echo "ok   $f ($(echo "$out" | grep "^$hit: " | head -1))"
			fi ;;
		esac
	done
done
exit $status
