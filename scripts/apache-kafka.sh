#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) for connectd's end-to-end tests.
#
#   scripts/apache-kafka.sh start [workdir]   prints the bootstrap address (127.0.0.1:PORT) on stdout
#   scripts/apache-kafka.sh stop  [workdir]   stops the broker by its PID and removes its data
#
# The broker comes from Maven Central only: a small pom.xml in the workdir depends on kafka_2.13,
# and `mvn dependency:copy-dependencies` copies it and its runtime dependencies into workdir/lib.
# Maven keeps them in ~/.m2, so later runs resolve offline. Needs java (17+) and mvn.
# Progress goes to stderr; stdout carries only the address. `start` on a running broker prints its address.
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"  # newest 4.x on Central when this was written; Scala 2.13 build
LOG4J_VERSION="${LOG4J_VERSION:-2.25.3}" # log4j2 binding for slf4j 1.7 (Kafka 4.x logs through log4j2)
START_TIMEOUT="${START_TIMEOUT:-60}"     # seconds to wait for the broker to answer
STOP_TIMEOUT=15                          # seconds between TERM and KILL
HEAP="${KAFKA_HEAP:--Xmx512m -Xms128m}"

usage() { echo "usage: $0 start|stop [workdir]" >&2; exit 2; }
log() { echo "apache-kafka: $*" >&2; }

[ $# -ge 1 ] || usage
CMD="$1"
WORKDIR="${2:-${TMPDIR:-/tmp}/connectd-apache-kafka}"
mkdir -p "$WORKDIR"
WORKDIR="$(cd "$WORKDIR" && pwd)"
PIDFILE="$WORKDIR/kafka.pid"
ADDRFILE="$WORKDIR/kafka.addr"
KLOG="$WORKDIR/kafka.log"
DATADIR="$WORKDIR/data"
LIBDIR="$WORKDIR/lib"

# One start or stop at a time per workdir.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$WORKDIR/.lock"
  flock -w 120 9 || { log "another start/stop holds $WORKDIR/.lock"; exit 1; }
fi

# The PID in kafka.pid, only when that process is alive and is our broker (a PID can be reused).
running_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid="$(cat "$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $WORKDIR/server.properties" || return 1
  fi
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kill_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "broker $pid still running after ${STOP_TIMEOUT}s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# Two distinct free ports on 127.0.0.1.
free_ports() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    return
  fi
  local a b
  while :; do a=$((20000 + RANDOM % 30000)); port_open "$a" || break; done
  while :; do b=$((20000 + RANDOM % 30000)); [ "$b" != "$a" ] && ! port_open "$b" && break; done
  echo "$a $b"
}

write_pom() {
  cat >"$WORKDIR/pom.xml.new" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/apache-kafka.sh: the Apache Kafka broker and its runtime dependencies. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.connectd.test</groupId>
  <artifactId>apache-kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>${KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-api</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>${LOG4J_VERSION}</version>
    </dependency>
  </dependencies>
</project>
EOF
  mv "$WORKDIR/pom.xml.new" "$WORKDIR/pom.xml"
}

# workdir/lib holds the jars for exactly this pom; the stamp records which pom filled it.
fetch_jars() {
  write_pom
  local stamp
  stamp="$(cksum <"$WORKDIR/pom.xml")"
  if [ -f "$LIBDIR/.stamp" ] && [ "$(cat "$LIBDIR/.stamp")" = "$stamp" ]; then
    return
  fi
  command -v mvn >/dev/null 2>&1 || { log "mvn is required"; return 1; }
  rm -rf "$LIBDIR"
  local args=(-B -q -f "$WORKDIR/pom.xml" dependency:copy-dependencies
    -DoutputDirectory="$LIBDIR" -DincludeScope=runtime)
  # Offline first: after one run everything is in ~/.m2.
  if mvn -o "${args[@]}" >"$WORKDIR/mvn.log" 2>&1; then
    log "jars copied from the local Maven repository (offline)"
  else
    log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central"
    rm -rf "$LIBDIR"
    if ! mvn "${args[@]}" >"$WORKDIR/mvn.log" 2>&1; then
      tail -n 40 "$WORKDIR/mvn.log" >&2
      log "mvn failed (log: $WORKDIR/mvn.log)"
      return 1
    fi
  fi
  ls "$LIBDIR"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null
  echo "$stamp" >"$LIBDIR/.stamp"
}

write_config() {
  local port="$1" cport="$2"
  cat >"$WORKDIR/server.properties" <<EOF
# Written by scripts/apache-kafka.sh: single node, KRaft combined mode.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=${DATADIR}
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  cat >"$WORKDIR/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
EOF
}

JAVA_OPTS=()
java_opts() {
  # shellcheck disable=SC2206
  JAVA_OPTS=($HEAP -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$WORKDIR/log4j2.properties"
    -Dkafka.logs.dir="$WORKDIR"
    -cp "$LIBDIR/*")
}

STARTED_PID=""
fail_start() {
  local rc=$?
  trap - EXIT
  if [ -n "$STARTED_PID" ]; then
    kill_pid "$STARTED_PID"
    rm -f "$PIDFILE"
  fi
  rm -f "$ADDRFILE"
  if [ -s "$KLOG" ]; then
    log "---- last lines of $KLOG ----"
    tail -n 60 "$KLOG" >&2
  fi
  log "start failed"
  exit $((rc == 0 ? 1 : rc))
}

cmd_start() {
  local pid
  if pid="$(running_pid)" && [ -s "$ADDRFILE" ] && port_open "$(cut -d: -f2 "$ADDRFILE")"; then
    log "already running (pid $pid)"
    cat "$ADDRFILE"
    return
  fi
  if pid="$(running_pid)"; then
    log "stopping a broker that does not answer (pid $pid)"
    kill_pid "$pid"
  fi
  rm -f "$PIDFILE" "$ADDRFILE"
  command -v java >/dev/null 2>&1 || { log "java is required"; exit 1; }
  trap fail_start EXIT

  local t0=$SECONDS
  fetch_jars
  log "jars ready in $((SECONDS - t0))s ($(ls "$LIBDIR" | wc -l) in $LIBDIR)"

  local ports port cport
  ports="$(free_ports)"
  port="${ports% *}"
  cport="${ports#* }"
  write_config "$port" "$cport"

  t0=$SECONDS
  rm -rf "$DATADIR"
  local cluster
  java_opts
  cluster="$(java "${JAVA_OPTS[@]}" kafka.tools.StorageTool random-uuid 2>>"$KLOG" | tail -n 1)"
  [ -n "$cluster" ] || { log "could not generate a cluster id"; exit 1; }
  : >"$KLOG"
  java "${JAVA_OPTS[@]}" kafka.tools.StorageTool format -t "$cluster" -c "$WORKDIR/server.properties" >>"$KLOG" 2>&1
  log "storage formatted in $((SECONDS - t0))s (cluster $cluster)"

  t0=$SECONDS
  # A plain command, so $! is the JVM itself; 9>&-: the broker must not inherit the workdir lock.
  java "${JAVA_OPTS[@]}" kafka.Kafka "$WORKDIR/server.properties" </dev/null >>"$KLOG" 2>&1 9>&- &
  STARTED_PID=$!
  echo "$STARTED_PID" >"$PIDFILE"
  log "broker pid $STARTED_PID, PLAINTEXT 127.0.0.1:$port, CONTROLLER 127.0.0.1:$cport"

  local addr="127.0.0.1:$port" deadline=$((SECONDS + START_TIMEOUT)) ready=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$STARTED_PID" 2>/dev/null || { log "broker exited"; exit 1; }
    if port_open "$port" && grep -qE "Kafka Server started|started \(kafka\.server" "$KLOG"; then
      if ! command -v kcat >/dev/null 2>&1 || kcat -b "$addr" -L -m 5 >/dev/null 2>&1; then
        ready=1
        break
      fi
    fi
    sleep 0.5
  done
  [ -n "$ready" ] || { log "broker did not answer within ${START_TIMEOUT}s"; exit 1; }
  trap - EXIT
  echo "$addr" >"$ADDRFILE"
  log "broker answers after $((SECONDS - t0))s"
  echo "$addr"
}

cmd_stop() {
  local pid
  if pid="$(running_pid)"; then
    log "stopping broker pid $pid"
    kill_pid "$pid"
  else
    log "no broker running in $WORKDIR"
  fi
  rm -rf "$PIDFILE" "$ADDRFILE" "$DATADIR"
}

case "$CMD" in
start) cmd_start ;;
stop) cmd_stop ;;
*) usage ;;
esac
