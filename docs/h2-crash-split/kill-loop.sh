#!/usr/bin/env bash
# Reproduces H2 2.5.252 opening a file killed with kill -9 with part of a transaction.
# usage: kill-loop.sh [ROUNDS] [WORKDIR]; NOCHECKPOINT=1 leaves out H2Split's explicit CHECKPOINTs.
# Each round starts H2Split (writers in one transaction each: insert attempt rows, update their
# deliveries), kills it after 0.3-4 s, and checks a copy of the file opened plainly and a copy
# opened after MVStore's recovery mode (as Tempora's H2CrashRecovery does). "CHECK SPLIT" marks a
# transaction found in part (see README.md for the count that is not evidence); the next round writes on from the recovered copy.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
H2=${H2_JAR:-$HOME/.m2/repository/com/h2database/h2/2.5.252/h2-2.5.252.jar}
ROUNDS=${1:-20}; WD=${2:-$(mktemp -d)}
mkdir -p "$WD/classes" && cd "$WD" || exit 1
javac -cp "$H2" -d classes "$here/H2Split.java" || exit 1
for i in $(seq 1 "$ROUNDS"); do
  java -Xmx256m -cp "classes:$H2" H2Split > run.out 2>&1 &
  pid=$!
  for _ in $(seq 1 400); do grep -q "writing from" run.out && break; sleep 0.05; done
  sleep "$(awk -v s=$RANDOM 'BEGIN{srand(s); printf "%.3f", 0.3+rand()*3.7}')"
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  echo "round $i"
  rm -rf plain rec; mkdir plain rec; cp data/tempora.mv.db plain/; cp data/tempora.mv.db rec/
  echo "  plain: $(DIR=plain MODE=norecovery CHECKONLY=1 java -cp "classes:$H2" H2Split 2>&1 | grep -v split: | tr '\n' ' ')"
  echo "  rec:   $(DIR=rec CHECKONLY=1 java -cp "classes:$H2" H2Split 2>&1 | grep -v split: | tr '\n' ' ')"
  cp rec/tempora.mv.db data/tempora.mv.db
done
