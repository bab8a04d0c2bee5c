#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) for connectd's end-to-end tests.
#
#   scripts/apache-kafka.sh start [workdir]   prints the bootstrap address (127.0.0.1:PORT) on stdout
#   scripts/apache-kafka.sh stop  [workdir]   stops the broker by its PID and removes its data
#   scripts/apache-kafka.sh connect-lib [workdir]
#                                             prints a directory holding Apache Kafka Connect's jars
#                                             (ConnectDistributed and the FileStream connectors),
#                                             which benchmarks/ runs beside connectd
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
# Apache Kafka Connect for `connect-lib`. connect-file (FileStreamSource/Sink) is not published
# for 4.4.0, and 4.3.1's connect-file does not run on 4.4.0's runtime (its version() calls
# org.apache.kafka.common.utils.AppInfoParser, which 4.4.0 moved to ...utils.internals: every
# connector create answers 500), so the worker is Connect 4.3.1 throughout, runtime, clients and
# connect-file, unmodified from Central. It talks to the 4.4.0 broker like any 4.3 client.
CONNECT_VERSION="${CONNECT_VERSION:-4.3.1}"

usage() { echo "usage: $0 start|stop|connect-lib [workdir]" >&2; exit 2; }
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
CONNECT_LIBDIR="$WORKDIR/connect-lib"

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
  cat >"$1.new" <<EOF
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
  mv "$1.new" "$1"
}

write_connect_pom() {
  cat >"$1.new" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/apache-kafka.sh: Apache Kafka Connect (distributed worker, FileStream connectors). -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.connectd.test</groupId>
  <artifactId>apache-kafka-connect</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>connect-runtime</artifactId>
      <version>${CONNECT_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>connect-file</artifactId>
      <version>${CONNECT_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
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
  mv "$1.new" "$1"
}

# fetch_jars POM_WRITER POM LIBDIR JAR: LIBDIR holds the jars of exactly the pom that POM_WRITER
# writes to POM (a stamp records which pom filled it); JAR must be among them.
fetch_jars() {
  local writer="$1" pom="$2" libdir="$3" jar="$4"
  "$writer" "$pom"
  local stamp
  stamp="$(cksum <"$pom")"
  if [ -f "$libdir/.stamp" ] && [ "$(cat "$libdir/.stamp")" = "$stamp" ]; then
    return
  fi
  command -v mvn >/dev/null 2>&1 || { log "mvn is required"; return 1; }
  rm -rf "$libdir"
  local args=(-B -q -f "$pom" dependency:copy-dependencies
    -DoutputDirectory="$libdir" -DincludeScope=runtime)
  # Offline first: after one run everything is in ~/.m2.
  if mvn -o "${args[@]}" >"$WORKDIR/mvn.log" 2>&1; then
    log "jars copied from the local Maven repository (offline)"
  else
    log "resolving $jar and its dependencies from Maven Central"
    rm -rf "$libdir"
    if ! mvn "${args[@]}" >"$WORKDIR/mvn.log" 2>&1; then
      tail -n 40 "$WORKDIR/mvn.log" >&2
      log "mvn failed (log: $WORKDIR/mvn.log)"
      return 1
    fi
  fi
  ls "$libdir/$jar" >/dev/null
  echo "$stamp" >"$libdir/.stamp"
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
  fetch_jars write_pom "$WORKDIR/pom.xml" "$LIBDIR" "kafka_2.13-$KAFKA_VERSION.jar"
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

cmd_connect_lib() {
  fetch_jars write_connect_pom "$WORKDIR/connect-pom.xml" "$CONNECT_LIBDIR" "connect-runtime-$CONNECT_VERSION.jar"
  log "Apache Kafka Connect $CONNECT_VERSION: $(ls "$CONNECT_LIBDIR" | wc -l) jars in $CONNECT_LIBDIR"
  echo "$CONNECT_LIBDIR"
}

case "$CMD" in
start) cmd_start ;;
stop) cmd_stop ;;
connect-lib) cmd_connect_lib ;;
*) usage ;;
esac
