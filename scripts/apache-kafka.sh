#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft, combined broker+controller) for connectd's end-to-end tests.
#
#   scripts/apache-kafka.sh start [workdir]   prints the bootstrap address (127.0.0.1:PORT) on stdout
#   scripts/apache-kafka.sh start-secure [workdir]
#                                             a broker whose client listeners are all secured (below);
#                                             prints workdir/secure, the directory of its client files
#   scripts/apache-kafka.sh stop  [workdir]   stops the broker by its PID and removes its data
#   scripts/apache-kafka.sh connect-lib [workdir]
#                                             prints a directory holding Apache Kafka Connect's jars
#                                             (ConnectDistributed and the FileStream connectors),
#                                             which benchmarks/ runs beside connectd
#
# start-secure makes a test CA and certificates with openssl and keytool, then listens with
#   SASL_SSL  SCRAM-SHA-512 (user alice, created by the storage format's --add-scram), PLAIN
#             (user bob) and OAUTHBEARER with Kafka's default unsecured-JWT validator (test only:
#             it accepts any unsigned token, so a test's own token endpoint can issue them);
#   MTLS      SSL with ssl.client.auth=required (client certificates signed by the test CA).
# The broker's inter-broker and controller listeners are plaintext on 127.0.0.1 and are never
# handed to clients. workdir/secure holds the certificates, the stores and ready-made client
# properties as a managed-Kafka user writes them (sasl-scram.properties, sasl-plain.properties,
# mtls.properties), each with its bootstrap.servers; secure.env names the listeners and passwords.
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

usage() { echo "usage: $0 start|start-secure|stop|connect-lib [workdir]" >&2; exit 2; }
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

# N (default 2) distinct free ports on 127.0.0.1.
free_ports() {
  local n="${1:-2}"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$n" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    return
  fi
  local out=() p
  while [ "${#out[@]}" -lt "$n" ]; do
    p=$((20000 + RANDOM % 30000))
    port_open "$p" || [[ " ${out[*]} " == *" $p "* ]] || out+=("$p")
  done
  echo "${out[*]}"
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
}

write_log4j() {
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

SECDIR="$WORKDIR/secure"
# Test-only secrets: the stores and users exist only for the broker this script starts.
STORE_PASS="store-secret"   # every keystore and truststore
KEY_PASS="key-secret"       # the encrypted PEM private key of the client (ssl.key.password)
SCRAM_USER="alice" SCRAM_PASS="alice-secret"
PLAIN_USER="bob" PLAIN_PASS="bob-secret"

need_tool() {
  command -v "$1" >/dev/null 2>&1 && return
  log "installing $2 (for $1)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq "$2" >/dev/null
}

# A CA, a broker certificate for 127.0.0.1/localhost, a client certificate, a second CA nobody
# trusts, and the stores made from them in every format the clients read.
make_certs() {
  need_tool openssl openssl
  command -v keytool >/dev/null 2>&1 || { log "keytool (from the JDK) is required"; return 1; }
  rm -rf "$SECDIR"
  mkdir -p "$SECDIR"
  local d="$SECDIR"
  (
    cd "$d"
    exec >>"$WORKDIR/certs.log" 2>&1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=connectd test CA"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj "/CN=untrusted test CA"
    sign() { # name subject san
      openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
      printf 'subjectAltName=%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext"
    }
    sign broker "/CN=localhost" "IP:127.0.0.1,DNS:localhost"
    sign client "/CN=connectd-client" "DNS:connectd-client"
    # PKCS12 keystores as openssl makes them, a JKS one as keytool makes it.
    openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker -out broker.p12 -passout "pass:$STORE_PASS"
    openssl pkcs12 -export -in client.pem -inkey client.key -certfile ca.pem -name client -out client.p12 -passout "pass:$STORE_PASS"
    keytool -importkeystore -noprompt -srckeystore client.p12 -srcstoretype PKCS12 -srcstorepass "$STORE_PASS" \
      -destkeystore client.jks -deststoretype JKS -deststorepass "$STORE_PASS" -destkeypass "$STORE_PASS"
    # PEM keystore: the certificate chain and an encrypted PKCS#8 key (ssl.key.password).
    openssl pkcs8 -topk8 -v2 aes-256-cbc -in client.key -out client-enc.key -passout "pass:$KEY_PASS"
    cat client.pem ca.pem client-enc.key >client-keystore.pem
    for t in ca other-ca; do
      keytool -importcert -noprompt -alias ca -file "$t.pem" -keystore "$t-truststore.jks" -storetype JKS -storepass "$STORE_PASS"
      keytool -importcert -noprompt -alias ca -file "$t.pem" -keystore "$t-truststore.p12" -storetype PKCS12 -storepass "$STORE_PASS"
    done
    rm -f ./*.csr ./*.ext ./*.srl
  ) || { log "making certificates failed (log: $WORKDIR/certs.log)"; tail -n 20 "$WORKDIR/certs.log" >&2; return 1; }
}

write_secure_config() {
  local sasl="$1" mtls="$2" internal="$3" cport="$4"
  cat >"$WORKDIR/server.properties" <<EOF
# Written by scripts/apache-kafka.sh start-secure: single node, KRaft combined mode, secured client listeners.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=SASL_SSL://127.0.0.1:${sasl},MTLS://127.0.0.1:${mtls},INTERNAL://127.0.0.1:${internal},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=SASL_SSL://127.0.0.1:${sasl},MTLS://127.0.0.1:${mtls},INTERNAL://127.0.0.1:${internal}
listener.security.protocol.map=SASL_SSL:SASL_SSL,MTLS:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
ssl.keystore.type=PKCS12
ssl.keystore.location=${SECDIR}/broker.p12
ssl.keystore.password=${STORE_PASS}
ssl.truststore.type=PKCS12
ssl.truststore.location=${SECDIR}/ca-truststore.p12
ssl.truststore.password=${STORE_PASS}
listener.name.mtls.ssl.client.auth=required
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN,OAUTHBEARER
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${PLAIN_USER}="${PLAIN_PASS}";
# No server callback handler: Kafka's OAuthBearerUnsecuredValidatorCallbackHandler (unsigned JWTs; tests only).
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
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
  local ts="ssl.truststore.location=${SECDIR}/ca-truststore.jks
ssl.truststore.password=${STORE_PASS}"
  cat >"$SECDIR/sasl-scram.properties" <<EOF
bootstrap.servers=127.0.0.1:${sasl}
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${SCRAM_USER}" password="${SCRAM_PASS}";
${ts}
EOF
  cat >"$SECDIR/sasl-plain.properties" <<EOF
bootstrap.servers=127.0.0.1:${sasl}
security.protocol=SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${PLAIN_USER}" password="${PLAIN_PASS}";
ssl.truststore.type=PEM
ssl.truststore.location=${SECDIR}/ca.pem
EOF
  cat >"$SECDIR/mtls.properties" <<EOF
bootstrap.servers=127.0.0.1:${mtls}
security.protocol=SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=${SECDIR}/client.p12
ssl.keystore.password=${STORE_PASS}
ssl.key.password=${STORE_PASS}
ssl.truststore.type=PKCS12
ssl.truststore.location=${SECDIR}/ca-truststore.p12
ssl.truststore.password=${STORE_PASS}
EOF
  cat >"$SECDIR/secure.env" <<EOF
SASL_SSL_BOOTSTRAP=127.0.0.1:${sasl}
MTLS_BOOTSTRAP=127.0.0.1:${mtls}
STORE_PASSWORD=${STORE_PASS}
KEY_PASSWORD=${KEY_PASS}
SCRAM_USER=${SCRAM_USER}
SCRAM_PASSWORD=${SCRAM_PASS}
PLAIN_USER=${PLAIN_USER}
PLAIN_PASSWORD=${PLAIN_PASS}
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
  local mode="$1" pid
  if pid="$(running_pid)" && [ -s "$ADDRFILE" ] && port_open "$(cut -d: -f2 "$ADDRFILE")" &&
    { [ "$mode" = plain ] || [ -s "$SECDIR/secure.env" ]; } && [ "$mode" = "$(cat "$WORKDIR/mode" 2>/dev/null || echo plain)" ]; then
    log "already running (pid $pid)"
    announce "$mode"
    return
  fi
  if pid="$(running_pid)"; then
    log "stopping a broker that does not answer or runs another mode (pid $pid)"
    kill_pid "$pid"
  fi
  rm -f "$PIDFILE" "$ADDRFILE" "$WORKDIR/mode"
  command -v java >/dev/null 2>&1 || { log "java is required"; exit 1; }
  trap fail_start EXIT

  local t0=$SECONDS
  fetch_jars write_pom "$WORKDIR/pom.xml" "$LIBDIR" "kafka_2.13-$KAFKA_VERSION.jar"
  log "jars ready in $((SECONDS - t0))s ($(ls "$LIBDIR" | wc -l) in $LIBDIR)"

  local ports port cport scram=()
  if [ "$mode" = secure ]; then
    t0=$SECONDS
    make_certs
    log "certificates made in $((SECONDS - t0))s ($SECDIR)"
    local sasl mtls
    read -r sasl mtls port cport <<<"$(free_ports 4)"
    write_secure_config "$sasl" "$mtls" "$port" "$cport"
    scram=(--add-scram "SCRAM-SHA-512=[name=${SCRAM_USER},password=${SCRAM_PASS}]")
    # Readiness is probed on the internal listener; clients get only the secured ones.
  else
    ports="$(free_ports 2)"
    port="${ports% *}"
    cport="${ports#* }"
    write_config "$port" "$cport"
  fi

  write_log4j
  t0=$SECONDS
  rm -rf "$DATADIR"
  local cluster
  java_opts
  cluster="$(java "${JAVA_OPTS[@]}" kafka.tools.StorageTool random-uuid 2>>"$KLOG" | tail -n 1)"
  [ -n "$cluster" ] || { log "could not generate a cluster id"; exit 1; }
  : >"$KLOG"
  java "${JAVA_OPTS[@]}" kafka.tools.StorageTool format -t "$cluster" -c "$WORKDIR/server.properties" "${scram[@]}" >>"$KLOG" 2>&1
  log "storage formatted in $((SECONDS - t0))s (cluster $cluster)"

  t0=$SECONDS
  # A plain command, so $! is the JVM itself; 9>&-: the broker must not inherit the workdir lock.
  java "${JAVA_OPTS[@]}" kafka.Kafka "$WORKDIR/server.properties" </dev/null >>"$KLOG" 2>&1 9>&- &
  STARTED_PID=$!
  echo "$STARTED_PID" >"$PIDFILE"
  log "broker pid $STARTED_PID ($mode), 127.0.0.1:$port, CONTROLLER 127.0.0.1:$cport"

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
  echo "$mode" >"$WORKDIR/mode"
  log "broker answers after $((SECONDS - t0))s"
  announce "$mode"
}

# announce prints what start promises on stdout: the address, or the secure client files' directory.
announce() {
  if [ "$1" = secure ]; then echo "$SECDIR"; else cat "$ADDRFILE"; fi
}

cmd_stop() {
  local pid
  if pid="$(running_pid)"; then
    log "stopping broker pid $pid"
    kill_pid "$pid"
  else
    log "no broker running in $WORKDIR"
  fi
  rm -rf "$PIDFILE" "$ADDRFILE" "$DATADIR" "$SECDIR" "$WORKDIR/mode"
}

cmd_connect_lib() {
  fetch_jars write_connect_pom "$WORKDIR/connect-pom.xml" "$CONNECT_LIBDIR" "connect-runtime-$CONNECT_VERSION.jar"
  log "Apache Kafka Connect $CONNECT_VERSION: $(ls "$CONNECT_LIBDIR" | wc -l) jars in $CONNECT_LIBDIR"
  echo "$CONNECT_LIBDIR"
}

case "$CMD" in
start) cmd_start plain ;;
start-secure) cmd_start secure ;;
stop) cmd_stop ;;
connect-lib) cmd_connect_lib ;;
*) usage ;;
esac
