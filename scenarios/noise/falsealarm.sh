#!/usr/bin/env bash
# How often does "portalsim report compare" cry wolf? Runs pairs of load
# runs (base, then head, -n times alternately) of a scenario, optionally
# with a CPU burner during a random part of one run, and compares each
# pair twice: "before", neither the machine nor the runs in view
# (-ignore-load -by-windows, or -before-bin's own report compare
# -ignore-load: an older build's statistics), and "now" (busy seconds
# dropped, an inconclusive verdict when the loads differ, the run as the
# unit of the test). Prints each pair's verdicts and a tally.
#
#   scenarios/noise/falsealarm.sh -pairs 20                quiet A/A pairs
#   scenarios/noise/falsealarm.sh -pairs 20 -burner        A/A pairs, a neighbour in one run
#   scenarios/noise/falsealarm.sh -pairs 5 -burner -burn-side base \
#       -head-bin /tmp/portalsim-slow                      a slowed head, the neighbour in a base run
#
# Flags:
#   -pairs N       pairs to run (default 20)
#   -n N           runs per side in a pair, alternating base and head
#                  (default 5, as bench compare; 1: one run each, where
#                  the windows are the unit)
#   -bin PATH      the base build (default: go build ./cmd/portalsim)
#   -head-bin PATH the head build (default: the base build: A/A pairs)
#   -scenario F    the scenario (default scenarios/ci.yaml)
#   -burner        a CPU burner during a random part of one run of the pair
#                  (of the -burn-side side)
#   -burn-side S   base, head or random (default random): the burner's side
#   -burners K     burner processes (default: one per core)
#   -dir DIR       keep the reports here (default: a temporary directory)
#   -before-bin P  the build whose "report compare -ignore-load" is
#                  "before" (default: -bin's, with -by-windows)
#   -- ARGS        further arguments for "report compare" (both ways)
#
# A run of ci.yaml takes about 27 s: a pair of -n 5, four and a half
# minutes. A slowed build for the third example:
#   go build -ldflags '-X github.com/portalsim/portalsim/sim.slowCommand=75us' -o /tmp/portalsim-slow ./cmd/portalsim
set -u
# Paths given are the caller's; the script runs from the repository root.
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

pairs=20 runs=5 bin="" head_bin="" before_bin="" scenario=scenarios/ci.yaml burner=0 burn_side=random
burners=$(nproc) dir="" extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -pairs) pairs=$2; shift 2 ;;
    -n) runs=$2; shift 2 ;;
    -bin) bin=$(abs "$2"); shift 2 ;;
    -head-bin) head_bin=$(abs "$2"); shift 2 ;;
    -scenario) scenario=$(abs "$2"); shift 2 ;;
    -burner) burner=1; shift ;;
    -burn-side) burn_side=$2; shift 2 ;;
    -burners) burners=$2; shift 2 ;;
    -dir) dir=$(abs "$2"); shift 2 ;;
    -before-bin) before_bin=$(abs "$2"); shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d' >&2; exit 2 ;;
  esac
done
case $burn_side in base|head|random) ;; *) echo "falsealarm: -burn-side $burn_side: want base, head or random" >&2; exit 2 ;; esac
cd "$(dirname "$0")/../.." || exit 1
keep=1
if [ -z "$dir" ]; then dir=$(mktemp -d); keep=0; trap 'rm -rf "$dir"' EXIT; fi
mkdir -p "$dir"
if [ -z "$bin" ]; then
  bin="$dir/portalsim"
  go build -o "$bin" ./cmd/portalsim || exit 1
fi
head_bin=${head_bin:-$bin}
# "before": an older build's statistics, or this one's without the machine and the runs.
before_cmd=("$bin" report compare -ignore-load -by-windows)
[ -n "$before_bin" ] && before_cmd=("$before_bin" report compare -ignore-load)

names=([0]=no_change [3]=improvement [4]=regression [5]=insufficient [6]=invalid [7]=inconclusive)
declare -A before after
burn() { # burn SECONDS: one busy process per -burners
  local k pids=()
  for k in $(seq "$burners"); do timeout "$1" sha256sum /dev/zero >/dev/null 2>&1 & pids+=($!); done
  wait "${pids[@]}"
}
echo "pair  burner                        before (windows, no load)  now"
for p in $(seq "$pairs"); do
  # The burner's run: side and index, its start (2 to 16 s in) and length (5 to 15 s).
  side=$burn_side
  [ "$side" = random ] && side=$([ $((RANDOM % 2)) -eq 0 ] && echo base || echo head)
  at=$((1 + RANDOM % runs)) delay=$((2 + RANDOM % 15)) len=$((5 + RANDOM % 11))
  bases=() heads=() note="-"
  for i in $(seq "$runs"); do
    for s in base head; do
      b=$bin; [ "$s" = head ] && b=$head_bin
      out="$dir/p$p-$s-$i.json"
      rm -f "$out" # a report of an earlier use of -dir is not this run's
      "$b" run "$scenario" -quiet -o "$out" >"$dir/p$p-$s-$i.txt" 2>&1 &
      run=$!
      if [ "$burner" = 1 ] && [ "$s" = "$side" ] && [ "$i" = "$at" ]; then
        sleep "$delay"; burn "$len"; note="$s run $i, ${delay}s+${len}s"
      fi
      wait "$run"
      if [ ! -s "$out" ]; then
        echo "falsealarm: pair $p: the $s run wrote no report; its output ($dir/p$p-$s-$i.txt) ends:" >&2
        tail -5 "$dir/p$p-$s-$i.txt" >&2; exit 1
      fi
      [ "$s" = base ] && bases+=("$out") || heads+=("$out")
    done
  done
  b=$(IFS=,; echo "${bases[*]}") h=$(IFS=,; echo "${heads[*]}")
  "${before_cmd[@]}" ${extra[@]+"${extra[@]}"} "$b" "$h" >"$dir/p$p-before.txt" 2>&1; v1=${names[$?]:-error}
  "$bin" report compare ${extra[@]+"${extra[@]}"} "$b" "$h" >"$dir/p$p-now.txt" 2>&1; v2=${names[$?]:-error}
  before[$v1]=$(( ${before[$v1]:-0} + 1 )); after[$v2]=$(( ${after[$v2]:-0} + 1 ))
  printf '%4d  %-28s  %-25s  %s\n' "$p" "$note" "$v1" "$v2"
done
echo
echo "verdicts of $pairs pairs ($runs run(s) per side, burner: $([ "$burner" = 1 ] && echo "$burners process(es) on the $burn_side side" || echo none)):"
for v in no_change improvement regression inconclusive insufficient invalid error; do
  [ -n "${before[$v]:-}${after[$v]:-}" ] && printf '  %-13s before %3d   now %3d\n' "$v" "${before[$v]:-0}" "${after[$v]:-0}"
done
[ "$keep" = 1 ] && echo "reports and comparisons: $dir"
exit 0
