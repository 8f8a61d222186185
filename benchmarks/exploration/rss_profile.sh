#!/bin/bash
# score the full corpus (MODEL=URI, default champion), sampling RSS of the score process and the committed count every 5 s
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/prof_out}
rm -rf $OUT $OUT.errors.jsonl
.venv/bin/stancewatch score ../shared/corpus/unlabeled.jsonl -o $OUT --model ${MODEL:-models:/stancewatch@champion} --quiet --overwrite > /tmp/prof_score.log 2>&1 &
PID=$!
echo "t,rss_mb,consumed" > ${CSV:-benchmarks/out/rss_profile.csv}
START=$(date +%s)
while kill -0 $PID 2>/dev/null; do
  RSS=$(awk '/VmRSS/{print $2/1024}' /proc/$PID/status 2>/dev/null)
  C=$(python3 -c "import json; print(json.load(open('$OUT/_manifest.json'))['consumed'])" 2>/dev/null || echo 0)
  echo "$(( $(date +%s) - START )),$RSS,$C" >> ${CSV:-benchmarks/out/rss_profile.csv}
  sleep 5
done
echo done >> ${CSV:-benchmarks/out/rss_profile.csv}
