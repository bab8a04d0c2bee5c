package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// apacheScript runs scripts/apache-kafka.sh with args and returns its stdout (its progress
// goes to our stderr).
func apacheScript(ctx context.Context, args ...string) (string, error) {
	sctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // a first run downloads jars
	defer cancel()
	cmd := exec.CommandContext(sctx, "bash", append([]string{filepath.Join(moduleRoot(), "scripts", "apache-kafka.sh")}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scripts/apache-kafka.sh %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(out.String()), nil
}

// startApacheKafka starts an Apache Kafka broker (KRaft, one node) in a fresh work dir with
// scripts/apache-kafka.sh and returns its bootstrap address; it is stopped and its work dir
// removed at exit. The jars are cached in ~/.m2 as the script does.
func startApacheKafka(ctx context.Context) (string, error) {
	dir, err := os.MkdirTemp("", "connectd-bench-kafka-")
	if err != nil {
		return "", err
	}
	atExit(func() {
		if _, err := apacheScript(context.Background(), "stop", dir); err != nil {
			progress("%v", err)
		}
		os.RemoveAll(dir)
	})
	progress("starting Apache Kafka (scripts/apache-kafka.sh start %s)", dir)
	return apacheScript(ctx, "start", dir)
}

// apacheConnectLib returns a directory with Apache Kafka Connect's jars (see
// scripts/apache-kafka.sh connect-lib), kept between runs under $TMPDIR.
func apacheConnectLib(ctx context.Context) (string, error) {
	return apacheScript(ctx, "connect-lib", filepath.Join(os.TempDir(), "connectd-apache-connect"))
}

// externalProps are the worker properties of a cluster named group on an external broker:
// its own group and internal topics, so that runs and runtimes sharing the broker do not meet.
func externalProps(bootstrap, group string) map[string]string {
	p := clusterProps(bootstrap)
	p["group.id"] = group
	p["config.storage.topic"] = group + "-configs"
	p["offset.storage.topic"] = group + "-offsets"
	p["status.storage.topic"] = group + "-status"
	return p
}

// apacheJVMOptions are what bin/connect-distributed.sh gives the JVM by default (heap) and
// kafka-run-class.sh adds (GC settings), so the worker runs as a user who starts it gets it.
var apacheJVMOptions = []string{
	"-Xms256M", "-Xmx2G",
	"-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
	"-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-Djava.awt.headless=true",
}

// apacheLog4j is connect-log4j2.yaml's default in properties form: INFO to the console, which
// launch sends to the worker's log file.
const apacheLog4j = `status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %X{connector.context}%m (%c:%L)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
`

// startApacheWorker starts an Apache Kafka Connect distributed worker (ConnectDistributed,
// jars from lib) on a free REST port with props, and waits until GET readyPath answers 200.
// It is stopped by PID and its directory removed at exit, like a connectd worker.
func startApacheWorker(ctx context.Context, lib string, props map[string]string, readyPath string, timeout time.Duration) (*worker, error) {
	return startApacheWorkerCP(ctx, []string{lib}, props, readyPath, timeout)
}

// startApacheWorkerCP is startApacheWorker with the jars of every directory of dirs on the
// classpath, in that order.
func startApacheWorkerCP(ctx context.Context, dirs []string, props map[string]string, readyPath string, timeout time.Duration) (*worker, error) {
	scratch, err := os.MkdirTemp("", "connectd-bench-apache-")
	if err != nil {
		return nil, err
	}
	w := &worker{scratch: scratch, logPath: filepath.Join(scratch, "worker.log"), readyPath: readyPath}
	atExit(w.stop)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	w.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	all := map[string]string{"listeners": w.url}
	for k, v := range props {
		all[k] = v
	}
	var text strings.Builder
	for _, k := range sortedKeys(all) {
		fmt.Fprintf(&text, "%s=%s\n", k, all[k])
	}
	propsPath := filepath.Join(scratch, "worker.properties")
	logConf := filepath.Join(scratch, "log4j2.properties")
	if err := os.WriteFile(propsPath, []byte(text.String()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(logConf, []byte(apacheLog4j), 0o644); err != nil {
		return nil, err
	}
	args := append(append([]string(nil), apacheJVMOptions...),
		"-Dlog4j2.configurationFile="+logConf,
		"-cp", classpath(dirs),
		"org.apache.kafka.connect.cli.ConnectDistributed", propsPath)
	if err := w.launch(ctx, exec.Command("java", args...), timeout); err != nil {
		return nil, err
	}
	return w, nil
}

// classpath is the Java classpath of every jar in each of dirs.
func classpath(dirs []string) string {
	parts := make([]string, len(dirs))
	for i, d := range dirs {
		parts[i] = filepath.Join(d, "*")
	}
	return strings.Join(parts, string(os.PathListSeparator))
}
