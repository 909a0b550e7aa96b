#!/usr/bin/env bash
# The README's example, as a user would copy it: extracted from README.md, compiled in one line
# against the built libember, run when Fashion-MNIST is installed.
#   readme_example.sh README.md SOURCE_INCLUDE_DIR BUILD_DIR WORK_DIR [extra compiler flags...]
set -euo pipefail
readme=$1 include=$2 build=$3 work=$4
shift 4
mkdir -p "$work"
awk '/^## Example/{f=1} f&&/^```cpp/{g=1;next} g&&/^```/{exit} g' "$readme" > "$work/example.cpp"
[ -s "$work/example.cpp" ] || { echo "no C++ block under '## Example' in $readme"; exit 1; }
${CXX:-c++} -std=c++20 -O1 "$@" "$work/example.cpp" -I"$include" -L"$build" -lember -Wl,-rpath,"$build" -o "$work/example"
if [ -d /usr/share/datasets/fashion-mnist ]; then
  cd "$work" && OMP_WAIT_POLICY=passive ./example > out.txt
  grep -q "Linear(in_features=784, out_features=128, bias=True)" out.txt
  [ -s mlp.safetensors ]
else
  echo "Fashion-MNIST not installed: compiled only"
fi
