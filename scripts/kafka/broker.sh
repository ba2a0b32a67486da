#!/usr/bin/env bash
# A single-node Apache Kafka broker (KRaft: broker and controller in one JVM) for tests,
# benches and the README demo. No tarball: the broker's jars come from Maven Central through
# mvn, into a cache kept between runs (labs/kafka.md has the measured recipe).
#
#   broker.sh fetch          download the jars once (idempotent; a cached fetch is instant)
#   broker.sh start          start a broker on two free loopback ports, print one line:
#                            id=<id> bootstrap=127.0.0.1:<port> dir=<dir> pid=<pid>
#   broker.sh stop <id>      stop that broker (only if its pid is still that broker) and
#                            remove its files
#   broker.sh restart <id> [--kill]  stop (or kill) and start the same broker, same ports and data
#
# Env: XDOM_KAFKA_VERSION (default 4.1.2, inside @platformatic/kafka 1.35's stated range),
#      XDOM_KAFKA_CACHE (default ~/.cache/xdom-kafka), XDOM_KAFKA_RUN (default $TMPDIR).
set -euo pipefail

VERSION=${XDOM_KAFKA_VERSION:-4.1.2}
LOG4J=2.24.3
CACHE=${XDOM_KAFKA_CACHE:-${HOME:-/tmp}/.cache/xdom-kafka}
LIBS=$CACHE/kafka_2.13-$VERSION/libs
RUN=${XDOM_KAFKA_RUN:-${TMPDIR:-/tmp}}

die() { echo "broker.sh: $*" >&2; exit 1; }

fetch() {
  [ -f "$CACHE/kafka_2.13-$VERSION/.complete" ] && return 0
  command -v java >/dev/null || die "java (17+) is needed for the Kafka broker"
  command -v mvn >/dev/null || die "mvn is needed to fetch the Kafka broker from Maven Central"
  mkdir -p "$CACHE"
  # Fetch into a temporary directory and rename it: an interrupted fetch never passes as cached.
  local tmp
  tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
  cat > "$tmp/pom.xml" <<POM
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.xdom</groupId><artifactId>kafka-broker-libs</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J</version></dependency>
  </dependencies>
</project>
POM
  if ! mvn -B -Dstyle.color=never -f "$tmp/pom.xml" -Dmaven.repo.local="$CACHE/m2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp/libs" > "$tmp/mvn.log" 2>&1; then
    grep -E 'ERROR' "$tmp/mvn.log" | head -5 >&2
    rm -rf "$tmp"
    die "mvn could not fetch org.apache.kafka:kafka_2.13:$VERSION"
  fi
  rm -rf "$CACHE/kafka_2.13-$VERSION"
  mkdir -p "$CACHE/kafka_2.13-$VERSION"
  mv "$tmp/libs" "$LIBS"
  rm -rf "$tmp" "$CACHE/m2"
  touch "$CACHE/kafka_2.13-$VERSION/.complete"
}

# A free port BELOW the ephemeral range (Linux: 32768-60999): while the broker restarts,
# clients reconnecting to an ephemeral-range port can be given that very port as their own
# (a TCP self-connect), and the broker then cannot bind it again (seen: BindException).
free_port() {
  node -e '
    const net = require("net");
    const lo = 20000, span = 12000;
    const tryOne = (left) => {
      const p = lo + Math.floor(Math.random() * span);
      const s = net.createServer();
      s.once("error", () => (left > 0 ? tryOne(left - 1) : process.exit(1)));
      s.listen(p, "127.0.0.1", () => { console.log(p); s.close(); });
    };
    tryOne(50);'
}

write_config() { # dir port cport
  cat > "$1/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$3
listeners=PLAINTEXT://127.0.0.1:$2,CONTROLLER://127.0.0.1:$3
advertised.listeners=PLAINTEXT://127.0.0.1:$2
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$1/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
log.cleaner.dedupe.buffer.size=8388608
log.cleaner.backoff.ms=1000
auto.create.topics.enable=true
PROPS
  cat > "$1/log4j2.properties" <<'LOG'
status = warn
shutdownHook = disable
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = STDOUT
logger.ready.name = kafka.server.KafkaRaftServer
logger.ready.level = INFO
LOG
}

# Start the JVM and wait until it is ready; 1 if it exited first (its log tail on stderr).
launch() { # dir port
  local dir=$1 port=$2 lines
  lines=0; [ -f "$dir/broker.log" ] && lines=$(wc -l < "$dir/broker.log")
  setsid java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -Xss512k -XX:MaxMetaspaceSize=128m -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$dir/server.properties" >> "$dir/broker.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$dir/broker.pid"
  # Ready: the ready line (after the ones already in the log) and a TCP connect.
  local deadline=$((SECONDS + ${XDOM_KAFKA_START_TIMEOUT:-90}))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then tail -20 "$dir/broker.log" >&2; echo "broker.sh: the broker exited before it was ready" >&2; return 1; fi
    if tail -n +$((lines + 1)) "$dir/broker.log" | grep -q 'Kafka Server started' &&
       (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    [ $SECONDS -lt $deadline ] || { tail -20 "$dir/broker.log" >&2; kill -KILL "$pid" 2>/dev/null; echo "broker.sh: the broker was not ready in time" >&2; return 1; }
    sleep 0.1
  done
}

start() {
  fetch
  local id dir port cport cid attempt
  for attempt in 1 2 3; do
    id="$$-$(date +%s%N | tail -c 7)"
    dir="$RUN/xdom-kafka-$id"
    mkdir -p "$dir"
    port=$(free_port); cport=$(free_port)
    while [ "$cport" = "$port" ]; do cport=$(free_port); done
    write_config "$dir" "$port" "$cport"
    echo "$port $cport" > "$dir/ports"
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    java -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -cp "$LIBS/*" kafka.tools.StorageTool format --standalone -t "$cid" -c "$dir/server.properties" > "$dir/format.log" 2>&1 ||
      { cat "$dir/format.log" >&2; rm -rf "$dir"; die "formatting the broker's storage failed"; }
    if launch "$dir" "$port"; then
      echo "id=$id bootstrap=127.0.0.1:$port dir=$dir pid=$(cat "$dir/broker.pid")"
      return 0
    fi
    # A port taken between the check and the JVM's bind (other processes pick ports too): again, new ports.
    local taken=0
    grep -q 'Address already in use' "$dir/broker.log" && taken=1
    halt "$dir" KILL
    rm -rf "$dir"
    [ $taken = 1 ] || break
  done
  die "no broker started"
}

dir_of() {
  [[ "$1" =~ ^[0-9]+-[0-9]+$ ]] || die "not a broker id: $1"
  echo "$RUN/xdom-kafka-$1"
}

# Stop the JVM only if the recorded pid is still this broker (pids are reused).
halt() { # dir [signal]
  local dir=$1 sig=${2:-TERM} pid
  [ -f "$dir/broker.pid" ] || return 0
  pid=$(cat "$dir/broker.pid")
  if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $dir/server.properties"; then
    kill -"$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$dir/broker.pid"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop)
    dir=$(dir_of "${2:-}")
    halt "$dir"
    rm -rf "$dir"
    ;;
  restart)
    dir=$(dir_of "${2:-}")
    [ -d "$dir" ] || die "no broker ${2:-}"
    # --kill: the broker crashes (SIGKILL) instead of shutting down cleanly.
    if [ "${3:-}" = "--kill" ]; then halt "$dir" KILL; else halt "$dir"; fi
    read -r port _ < "$dir/ports"
    launch "$dir" "$port" || die "the broker did not start again"
    echo "id=$2 bootstrap=127.0.0.1:$port dir=$dir pid=$(cat "$dir/broker.pid")"
    ;;
  *) die "usage: broker.sh fetch | start | stop ID | restart ID [--kill]" ;;
esac
