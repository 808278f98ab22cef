#!/usr/bin/env bash
# Computed goto against `switch`: links a second lawful_vm_bench whose VM is compiled
# with -DLAWFUL_VM_SWITCH (everything else from the Release build in build/), then runs
# the two in turn, --rounds times, and prints each one's per-decision times.
# usage: bench/compare_dispatch.sh [rounds]     (after cmake --build build)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
b=build
out=$b/bench/dispatch-switch
mkdir -p "$out"
# The VM object, as the build compiles it, but with the switch.
cmd=$(cd $b && ninja -t commands CMakeFiles/lawful_runtime.dir/runtime/vm/vm.cpp.o | tail -1)
cmd=${cmd/-c \/*vm.cpp/-DLAWFUL_VM_SWITCH -c $PWD/runtime/vm/vm.cpp}
cmd=$(echo "$cmd" | sed -e "s| -o [^ ]*vm.cpp.o | -o $PWD/$out/vm.cpp.o |" -e "s| -MD -MT [^ ]* -MF [^ ]* | |")
(cd $b && eval "$cmd")
cp $b/liblawful_runtime.a $out/liblawful_runtime.a
(cd $out && ar r liblawful_runtime.a vm.cpp.o)
if nm -C $out/vm.cpp.o | grep -q kLabels; then echo "the switch build still has computed goto" >&2; exit 1; fi
link=$(cd $b && ninja -t commands bench/lawful_vm_bench | tail -1)
link=${link//liblawful_runtime.a/dispatch-switch\/liblawful_runtime.a}
link=${link//-o bench\/lawful_vm_bench/-o bench\/dispatch-switch\/lawful_vm_bench}
link=${link//dispatch-switch\/liblawful_runtime.a/bench\/dispatch-switch\/liblawful_runtime.a}
(cd $b && eval "${link#: && }")
for i in $(seq "$rounds"); do
  echo "== round $i: computed goto"
  $b/bench/lawful_vm_bench --benchmark_filter='vm/' --benchmark_min_time=0.5 2>/dev/null | grep '^vm/'
  echo "== round $i: switch"
  $b/bench/dispatch-switch/lawful_vm_bench --benchmark_filter='vm/' --benchmark_min_time=0.5 2>/dev/null | grep '^vm/'
done
