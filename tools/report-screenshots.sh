#!/usr/bin/env bash
# Makes the screenshots of `mapsmith report` in docs/images/ (one per section), from a study of
# circuit on sapling-2: an ensemble run, an evolutionary run and three steps of the LLM optimizer
# driven through its manual exchange with prepared replies (one mapper, one reply without a
# mapper, one more mapper), so that every part of every section has something to show.
#
#   tools/report-screenshots.sh [BUILD_DIR]        (default: build)
#
# Needs Debian's chromium; shrinks the images with pngquant when it is installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
mapsmith=$build/mapsmith
chromium=${MAPSMITH_CHROMIUM:-chromium}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapper='Task * GPU,CPU;
Region * * GPU FBMEM;
Region * * CPU SYSMEM;
Layout * * * SOA;
m_gpu = Machine(GPU);
def cyclic(Task task) {
  i = task.ipoint[0];
  return m_gpu[i % m_gpu.size[0], i / m_gpu.size[0] % m_gpu.size[1]];
}
IndexTaskMap calculate_new_currents,distribute_charge,update_voltages cyclic;'
mkdir -p "$work/exchange"
printf 'Keep every piece in the framebuffer and deal the pieces round the GPUs.\n\n```mapping\n%s\n```\n' \
  "$mapper" > "$work/exchange/reply-0001.md"
echo "The expert mapper looks optimal to me: nothing to change." > "$work/exchange/reply-0002.md"
printf 'Limit update_voltages to two instances in flight.\n\n```mapping\n%s\nInstanceLimit update_voltages 2;\n```\n' \
  "$mapper" > "$work/exchange/reply-0003.md"

db=$work/study.db
common=(--app circuit --machine sapling-2 --db "$db" --out none)
"$mapsmith" tune "${common[@]}" --budget 600 --progress-every 0 > /dev/null
"$mapsmith" tune "${common[@]}" --budget 400 --optimizer evolutionary --seed 1 --progress-every 0 > /dev/null
"$mapsmith" tune "${common[@]}" --budget 6 --optimizer llm --llm manual --exchange "$work/exchange" \
  --llm-steps 3 --llm-timeout 5 > /dev/null
"$mapsmith" report --db "$db" -o "$work/report.html"

out=$root/docs/images
mkdir -p "$out"
for section in timeline breakdown placement changes search topology; do
  rm -rf "$work/profile"
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=1100,760 \
    --screenshot="$out/report-$section.png" "file://$work/report.html#only=$section" \
    > /dev/null 2>&1
  if command -v pngquant > /dev/null; then
    pngquant --force --skip-if-larger --quality 60-90 --output "$out/report-$section.png" \
      "$out/report-$section.png" || true
  fi
  echo "docs/images/report-$section.png: $(stat -c %s "$out/report-$section.png") bytes"
done
