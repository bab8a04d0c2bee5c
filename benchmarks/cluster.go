package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// brokerProc is a `connectd broker` process that several workers share.
type brokerProc struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// stop ends the broker (SIGTERM, SIGKILL after 10 s), unless it has already exited.
func (b *brokerProc) stop() {
	select {
	case <-b.done:
		return
	default:
	}
	_ = syscall.Kill(b.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(b.cmd.Process.Pid, syscall.SIGKILL)
		<-b.done
	}
}

// startBroker runs `connectd broker` on a free port with a fresh data dir; it is stopped and
// its directory removed at exit.
func startBroker(ctx context.Context, bin string) (*brokerProc, error) {
	dir, err := os.MkdirTemp("", "connectd-bench-broker-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := &brokerProc{addr: fmt.Sprintf("127.0.0.1:%d", port), done: make(chan struct{})}
	logFile, err := os.Create(filepath.Join(dir, "broker.log"))
	if err != nil {
		return nil, err
	}
	b.cmd = exec.Command(bin, "broker", "--listen", b.addr, "--data-dir", filepath.Join(dir, "data"))
	b.cmd.Stdout, b.cmd.Stderr = logFile, logFile
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = b.cmd.Wait(); logFile.Close(); close(b.done) }()
	atExit(func() {
		b.stop()
		os.RemoveAll(dir)
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := net.Dial("tcp", b.addr)
		if err == nil {
			c.Close()
			return b, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("broker not listening on %s after 20 s", b.addr)
		}
		if err := sleepCtx(ctx, 20*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// clusterProps are the worker properties that make workers on broker one cluster.
func clusterProps(broker string) map[string]string {
	return map[string]string{
		"bootstrap.servers":                 broker,
		"config.storage.replication.factor": "1",
		"offset.storage.replication.factor": "1",
		"status.storage.replication.factor": "1",
	}
}

// startCluster starts a broker and n workers on it, in parallel.
func startCluster(ctx context.Context, bin string, n int, timeout time.Duration) (*brokerProc, []*worker, error) {
	b, err := startBroker(ctx, bin)
	if err != nil {
		return nil, nil, err
	}
	ws, err := startWorkers(ctx, bin, n, timeout, clusterProps(b.addr))
	return b, ws, err
}

// startWorkers starts n workers with props, in parallel.
func startWorkers(ctx context.Context, bin string, n int, timeout time.Duration, props map[string]string) ([]*worker, error) {
	ws := make([]*worker, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws[i], errs[i] = startWorkerWith(ctx, bin, timeout, props)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ws, nil
}

// instanceStatus is GET /connectors/{c}/status with the placement of each instance.
type instanceStatus struct {
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"connector"`
	Tasks []struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"tasks"`
}

// settled reports whether the connector and each of its tasks (at least one) are RUNNING on
// one of live.
func (st *instanceStatus) settled(live map[string]bool) bool {
	ok := st.Connector.State == "RUNNING" && live[st.Connector.WorkerID] && len(st.Tasks) > 0
	for _, t := range st.Tasks {
		ok = ok && t.State == "RUNNING" && live[t.WorkerID]
	}
	return ok
}

// placement reads every connector's status from base and returns the worker of each
// instance, and whether all of them are RUNNING on one of live. The reads run side by side:
// read one after another, a sweep of 30 connectors takes longer than the failover it
// measures, and the figure would be the sweep's length rather than the cluster's.
func placement(ctx context.Context, client *http.Client, base string, names []string, live map[string]bool) (map[string]string, bool) {
	statuses := make([]*instanceStatus, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = readStatus(ctx, client, base, name)
		}()
	}
	wg.Wait()
	where := map[string]string{}
	settled := true
	for i, name := range names {
		st := statuses[i]
		if st == nil {
			return nil, false
		}
		where[name] = st.Connector.WorkerID
		for i, t := range st.Tasks {
			where[fmt.Sprintf("%s-%d", name, i)] = t.WorkerID
		}
		settled = settled && st.settled(live)
	}
	return where, settled
}

// readStatus is GET /connectors/<name>/status, or nil on any failure.
func readStatus(ctx context.Context, client *http.Client, base, name string) *instanceStatus {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/connectors/"+url.PathEscape(name)+"/status", nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var st instanceStatus
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &st) != nil {
		return nil
	}
	return &st
}

// workerID is the worker_id a worker reports: its REST host:port.
func (w *worker) workerID() string { return strings.TrimPrefix(w.url, "http://") }
