package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/connectd/connectd/actors"
	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/member"
	"github.com/connectd/connectd/actors/store"
	"github.com/connectd/connectd/http/rest"
	"github.com/connectd/connectd/messages"
)

var _ rest.Backend = (*actors.StandaloneClient)(nil)

// exitConnectorError is the exit status when a connector file cannot be read or its
// connector cannot be created: Kafka Connect's ConnectStandalone exits 3 ("Stopping after
// connector error").
const exitConnectorError = 3

// exitError is a failure that exits with its own status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// connectorFile is one connector given on the standalone command line.
type connectorFile struct {
	path    string
	name    string
	config  map[string]string
	initial messages.TargetState // UNSPECIFIED: STARTED
}

// runStandalone is `connectd standalone worker.properties [connector.properties|connector.json]...
// [--override key=value]...`: one worker whose connector configs and statuses live in memory,
// re-created from the files at every start, and whose source offsets live in
// offset.storage.file.filename (spec §5, §8.3, §8.4).
func runStandalone(ctx context.Context, args []string, log *slog.Logger) error {
	props, files, err := workerArgs(args, true)
	if err != nil {
		return err
	}
	// Every file is read before anything starts, so a bad one costs no broker start.
	var conns []connectorFile
	byName := map[string]string{}
	for _, path := range files {
		c, err := readConnectorFile(path)
		if err != nil {
			return exitError{exitConnectorError, err}
		}
		if first, ok := byName[c.name]; ok {
			return exitError{exitConnectorError, fmt.Errorf("connector %q is defined twice, in %s and in %s", c.name, first, path)}
		}
		byName[c.name] = path
		conns = append(conns, c)
	}
	cfg, err := parseWorkerConfig(props, log)
	if err != nil {
		return err
	}
	if cfg.offsetFile == "" {
		// Kafka Connect's StandaloneConfig requires it (spec §8.3); DESIGN.md gives it a
		// default under data.dir, so `connectd standalone` runs with Kafka's samples as they are.
		cfg.offsetFile = filepath.Join(cfg.dataDir, "connect.offsets")
	}
	return runStandaloneWorker(ctx, cfg, conns, log)
}

// readConnectorFile reads one connector file in the first of Kafka Connect's forms that
// fits (spec §8.4, ConnectStandalone.parseConnectorConfigurationFile): a JSON object of
// strings with "name"; a JSON {"name", "config", "initial_state"} request (other fields
// ignored); a Java properties file with name. As in the REST API, JSON numbers and booleans
// in a config are taken as their text. A file that starts with '{' but is not valid JSON is
// reported as such instead of being read as properties.
func readConnectorFile(path string) (connectorFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return connectorFile{}, fmt.Errorf("connector file: %w", err)
	}
	c := connectorFile{path: path}
	if trimmed := bytes.TrimSpace(b); len(trimmed) > 0 && trimmed[0] == '{' {
		if err := c.parseJSON(trimmed); err != nil {
			return connectorFile{}, fmt.Errorf("connector file %s: %w", path, err)
		}
	} else {
		if c.config, err = parseProperties(bytes.NewReader(b)); err != nil {
			return connectorFile{}, fmt.Errorf("connector file %s: %w", path, err)
		}
		name, ok := c.config["name"]
		if !ok {
			return connectorFile{}, missingName(path)
		}
		c.name = name
	}
	return c, nil
}

// Kafka Connect's texts for bad connector files (ConnectStandalone), kept verbatim.
const (
	msgMissingName  = "Connector configuration at '%s' is missing the mandatory 'name' configuration"
	msgNameMismatch = "Connector name configuration in 'config' doesn't match the one specified in 'name' at '%s'"
)

func missingName(path string) error { return fmt.Errorf(msgMissingName, path) }

// parseJSON reads the two JSON forms.
func (c *connectorFile) parseJSON(b []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	flat, bad, ok := scalarMap(top)
	if ok {
		name, ok := flat["name"]
		if !ok {
			return missingName(c.path)
		}
		c.name, c.config = name, flat
		return nil
	}
	var req struct {
		Name         *string                    `json:"name"`
		Config       map[string]json.RawMessage `json:"config"`
		InitialState *string                    `json:"initial_state"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return fmt.Errorf("neither a map of connector configs nor a {\"name\", \"config\"} request: %w", err)
	}
	if req.Config == nil {
		return fmt.Errorf("neither a map of connector configs (%q is not a string, number or boolean) nor a {\"name\", \"config\"} request (no \"config\" object)", bad)
	}
	config, bad, ok := scalarMap(req.Config)
	if !ok {
		return fmt.Errorf("\"config\": %q is not a string, number or boolean", bad)
	}
	if req.Name == nil {
		return missingName(c.path)
	}
	if n, ok := config["name"]; ok && n != *req.Name {
		return fmt.Errorf(msgNameMismatch, c.path)
	}
	config["name"] = *req.Name
	c.name, c.config = *req.Name, config
	if req.InitialState != nil {
		switch *req.InitialState {
		case "RUNNING":
			c.initial = messages.TargetState_TARGET_STATE_STARTED
		case "PAUSED":
			c.initial = messages.TargetState_TARGET_STATE_PAUSED
		case "STOPPED":
			c.initial = messages.TargetState_TARGET_STATE_STOPPED
		default:
			return fmt.Errorf("initial_state %q: expected RUNNING, PAUSED or STOPPED", *req.InitialState)
		}
	}
	return nil
}

// scalarMap converts a JSON object whose values are all strings, numbers or booleans to a
// config map (numbers and booleans as their JSON text); otherwise it returns the first key,
// in sorted order, whose value is not, and false.
func scalarMap(m map[string]json.RawMessage) (map[string]string, string, bool) {
	out := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var v any
		d := json.NewDecoder(bytes.NewReader(m[k]))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, k, false
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = strconv.FormatBool(v)
		default: // null, object, array
			return nil, k, false
		}
	}
	return out, "", true
}

// runStandaloneWorker wires a standalone worker: embedded broker if needed, in-memory
// config and status stores, the offsets file, a single-member actor runtime, the connectors
// of the command line (each created and started before the next, as Kafka Connect does),
// then REST. It runs until ctx ends, then shuts down in reverse order.
func runStandaloneWorker(ctx context.Context, cfg *workerConfig, conns []connectorFile, log *slog.Logger) error {
	started := time.Now()
	cfg.exactlyOnceSource = "" // Kafka Connect's standalone worker has no exactly-once sources
	stage := &api.Stage{}      // what GET /health reports while the worker starts
	api, err := openREST(cfg, stage, log)
	if err != nil {
		return err
	}
	defer api.Close()
	load := loadPlugins(ctx, cfg, log) // beside Kafka's connect: the host's start takes seconds
	defer load.Close()
	stage.Enter("connecting to Kafka")
	k, err := openKafka(ctx, cfg, "", log)
	if err != nil {
		return err
	}
	defer k.Close()
	stage.Enter("loading the Java plugins of plugin.path")
	plugins, err := load.wait(ctx)
	if err != nil {
		return err
	}
	storeLog := store.WithLogger(packageLogger(log, "actors/store"))
	offsets, err := store.NewFileOffsetStore(cfg.offsetFile, storeLog)
	if err != nil {
		return err
	}
	stores := actors.Stores{Config: store.NewMemoryConfigStore(storeLog), Status: store.NewMemoryStatusStore(storeLog), Offsets: offsets}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	stage.Enter("reading the offsets file")
	closeStores, err := startStores(startCtx, stores)
	if err != nil {
		return err
	}
	defer closeStores()
	// No Provider: a cluster of this member alone.
	stage.Enter("starting the actor system")
	rt, stopRuntime, err := startRuntime(startCtx, cfg, k, stores, member.Config{ClusterName: "connect-standalone"}, api.metrics, plugins.registry, log)
	if err != nil {
		return err
	}
	defer stopRuntime()

	// Standalone is ready once every connector file has been submitted (spec §3.2).
	stage.Enter("starting the connectors from the command line")
	client := rt.Client().Standalone()
	for _, c := range conns {
		if _, err := client.CreateConnector(startCtx, c.name, c.config, c.initial); err != nil {
			return exitError{exitConnectorError, fmt.Errorf("connector %q from %s: %w", c.name, c.path, err)}
		}
		log.Info("created connector", "connector", c.name, "file", c.path)
	}
	return serveUntilDone(ctx, api, client, log, "mode", "standalone", "worker_id", cfg.workerID, "bootstrap.servers", k.bootstrap,
		"offset.storage.file.filename", cfg.offsetFile, "connectors", len(conns), "startup", time.Since(started).Round(time.Millisecond))
}
