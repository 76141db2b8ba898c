#!/usr/bin/env bash
# Renders the INT8 calibration and validation images, deterministically, with ffmpeg drawtext and
# the DejaVu fonts (fonts-dejavu-core): no downloads. Into .cache/calib (git-ignored):
#   det/calib, det/val   640x640 scenes with 3-6 lines of serial numbers, words and dates in
#                        varied fonts, sizes, colours and positions on varied noisy backgrounds
#                        (the PP-OCRv4 text detector's input)
#   cls/calib, cls/val   192x48 single text lines, half of them rotated 180 degrees; the file
#                        name ends in _0 or _180 (the direction classifier's input and label)
# Each folder also gets labels.tsv: file name, a tab, and the text drawn (a scene's lines
# joined by '|', top to bottom), so readers can be scored against what is really there.
# Usage: scripts/render-calib.sh [COUNT]   (COUNT images per folder, default 300)
# Idempotent: a folder that already holds COUNT images is left alone. Same COUNT, same files.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-300}"
out="$root/.cache/calib"
fonts=/usr/share/fonts/truetype/dejavu
[ -f "$fonts/DejaVuSans.ttf" ] || { echo "render-calib: $fonts/DejaVuSans.ttf not found (install fonts-dejavu-core: scripts/setup.sh)" >&2; exit 2; }
command -v ffmpeg >/dev/null || { echo "render-calib: ffmpeg not found (scripts/setup.sh installs it)" >&2; exit 2; }
[[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -gt 0 ] || { echo "render-calib: COUNT must be a positive number, got '$count'" >&2; exit 2; }

font_files=(DejaVuSans.ttf DejaVuSans-Bold.ttf DejaVuSansMono.ttf DejaVuSerif.ttf DejaVuSansCondensed.ttf DejaVuSans-Oblique.ttf)
words=(INVOICE LOT BATCH EXPIRY PART SERIAL MODEL TOTAL ORDER SHIP STATION GATE LINE PALLET WEIGHT CHECK
       alpha sensor valve pump motor filter cable bearing module panel camera relay fuse output input)
backgrounds=(0xf2efe6 0xd8d0c0 0xffffff 0xe0e6ee 0xc8d8c0 0xf6e0c8 0x303840 0x1c2430 0xb0b8c0 0xe8e0f0)
darks=(0x101010 0x202060 0x602010 0x104020 0x303030 0x000000)
lights=(0xf0f0f0 0xffffe0 0xe0f0ff 0xfafafa)
letters=(A B C D E F G H J K L M N P Q R S T U V W X Y Z K X)

# A fixed linear congruential generator: the same numbers on every machine and bash version.
state=0
seed() { state=$1; }
R=0
TEXT=""
# r N: sets R to the next number in [0, N) (a variable, not output: a subshell would lose the state).
r() { state=$(( (state * 1103515245 + 12345) % 2147483648 )); R=$(( (state >> 8) % $1 )); }

# line_text: sets TEXT to a serial number, a date, words, or a weight.
line_text() {
  local a b c d
  r 4; case $R in
    0) r 100000; a=$R; r 26; b=${letters[$R]}; r 26; c=${letters[$R]}; r 10; d=$R; printf -v TEXT 'SN %05d-%s%s%d' "$a" "$b" "$c" "$d" ;;
    1) r 10; a=$R; r 12; b=$R; r 28; c=$R; printf -v TEXT '20%02d-%02d-%02d' $((20 + a)) $((1 + b)) $((1 + c)) ;;
    2) r ${#words[@]}; a=${words[$R]}; r ${#words[@]}; b=${words[$R]}; r 1000; printf -v TEXT '%s %s %d' "$a" "$b" "$R" ;;
    *) r 16; a=${words[$R]}; r 500; b=$R; r 100; printf -v TEXT '%s %d.%02d kg' "$a" "$b" "$R" ;;
  esac
}

# pick_ink: sets ink to a colour that reads on the current background.
pick_ink() {
  if [ "$bgdark" = 1 ]; then r ${#lights[@]}; ink=${lights[$R]}; else r ${#darks[@]}; ink=${darks[$R]}; fi
}

# Texts never hold ':' or quotes, which drawtext's option syntax would need escaped.
# Writes "file<TAB>ffmpeg-filter<TAB>size" jobs for one folder, then runs them in parallel.
render_folder() {
  local kind=$1 split=$2 first_seed=$3
  local dir="$out/$kind/$split"
  local have
  have=$( (find "$dir" -name '*.jpg' 2>/dev/null || true) | wc -l)
  [ "$have" = "$count" ] && [ -f "$dir/labels.tsv" ] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  local jobs="$dir/.jobs" labels="$dir/labels.tsv.part"
  : > "$jobs"
  : > "$labels"
  for ((i = 0; i < count; i++)); do
    seed $((first_seed + i * 7919))
    local bg bgdark=0 filters ink font
    r ${#backgrounds[@]}; bg=${backgrounds[$R]}
    case $bg in 0x303840|0x1c2430) bgdark=1 ;; esac
    r 14; filters="drawbox=c=$bg:t=fill,noise=alls=$((4 + R)):allf=u"
    if [ "$kind" = det ]; then
      local lines y size drawn=""
      r 4; lines=$((3 + R)); r 60; y=$((20 + R))
      for ((l = 0; l < lines; l++)); do
        r 36; size=$((22 + R))
        line_text
        pick_ink
        r ${#font_files[@]}; font=${font_files[$R]}
        r 260; filters+=",drawtext=fontfile=$fonts/$font:text='$TEXT':fontsize=$size:fontcolor=$ink:x=$((10 + R)):y=$y"
        drawn+="${drawn:+|}$TEXT"
        r 70; y=$((y + size + 20 + R))
        [ $y -gt 590 ] && break
      done
      printf '%s\t%s\t640x640\n' "$dir/$(printf '%04d' "$i").jpg" "$filters" >> "$jobs"
      printf '%04d.jpg\t%s\n' "$i" "$drawn" >> "$labels"
    else
      local size angle
      r 10; size=$((24 + R)); r 2; angle=$((R * 180))
      line_text
      pick_ink
      r ${#font_files[@]}; font=${font_files[$R]}
      r 12; filters+=",drawtext=fontfile=$fonts/$font:text='$TEXT':fontsize=$size:fontcolor=$ink:x=$((2 + R)):y=(h-text_h)/2"
      [ $angle = 180 ] && filters+=",hflip,vflip"
      printf '%s\t%s\t192x48\n' "$dir/$(printf '%04d_%d' "$i" "$angle").jpg" "$filters" >> "$jobs"
      printf '%04d_%d.jpg\t%s\n' "$i" "$angle" "$TEXT" >> "$labels"
    fi
  done
  # shellcheck disable=SC2016
  tr '\n' '\0' < "$jobs" | xargs -0 -P "$(nproc)" -n 1 bash -c '
    IFS=$'"'"'\t'"'"' read -r file filter size <<< "$1"
    ffmpeg -v error -y -f lavfi -i "color=c=0x808080:s=$size" -vf "$filter" -frames:v 1 -q:v 3 "$file"' _
  rm -f "$jobs"
  mv "$labels" "$dir/labels.tsv"
}

render_folder det calib 1001
render_folder det val 2002
render_folder cls calib 3003
render_folder cls val 4004
echo "render-calib: $count images each in $out/{det,cls}/{calib,val}"
