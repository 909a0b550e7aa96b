#!/usr/bin/env bash
# examples/custom_model as a user builds it: install ember into a fresh prefix, configure and build
# the example with find_package(ember), then check that its model sits next to the built-in ones
# and that train, evaluate and a 2-job search (whose children are the example program itself) run.
#   tests/e2e/custom_model.sh <ember build dir> <work dir> [extra cmake args for the example...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: custom_model.sh <ember build dir> <work dir> [cmake args...]}
work=${2:?usage: custom_model.sh <ember build dir> <work dir> [cmake args...]}
shift 2
prefix=$work/prefix
app=$work/app
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/ember" || { echo "ember was not installed in $prefix/bin"; exit 1; }
cmake -S "$here/../../examples/custom_model" -B "$app" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" "$@" >/dev/null
cmake --build "$app" >/dev/null
exe=$app/custom_model

"$exe" models | tee "$work/models.txt"
grep -q "two_layer_net" "$work/models.txt"
grep -q "fashion_cnn" "$work/models.txt"
"$exe" models two_layer_net | grep -q '"hidden": 100'

data=/usr/share/datasets/fashion-mnist
if [[ ! -e $data/train-images-idx3-ubyte.gz && ! -e $data/train-images-idx3-ubyte ]]; then
  echo "no Fashion-MNIST in $data (Debian's dataset-fashion-mnist): skipping the training part"
  exit 0
fi
exp=$work/experiment
mkdir -p "$exp"
cat > "$exp/params.json" <<JSON
{"model": "two_layer_net", "hidden": 32, "num_epochs": 1, "batch_size": 64, "num_threads": 1,
 "max_train_samples": 512, "max_val_samples": 256, "max_test_samples": 256}
JSON
"$exe" train --data_dir "$data" --model_dir "$exp"
"$exe" evaluate --data_dir "$data" --model_dir "$exp"
grep -q '"accuracy"' "$exp/metrics_test_best.json"
cp "$exp/params.json" "$work/search_params.json"
search=$work/search
mkdir -p "$search"
cp "$work/search_params.json" "$search/params.json"
echo '{"params": {"hidden": [16, 32]}}' > "$search/search.json"
"$exe" search --jobs 2 --parent_dir "$search" --data_dir "$data"
for t in hidden_16 hidden_32; do
  grep -q '"hidden": '"${t#hidden_}" "$search/$t/params.json"
  test -f "$search/$t/metrics_val_best_weights.json"
done
"$exe" synthesize --parent_dir "$search" | grep -q "hidden_16"
echo "custom model example: OK"
