package rest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/messages"
)

// ServerInfo is the body of GET / (spec §2.1, §3.1).
type ServerInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

// WorkerStatus is the body of GET /health (spec §2.1, §3.2): status "healthy", "starting" or
// "unhealthy".
type WorkerStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// LoggerLevel is one logger's level (spec §2.1): LastModified is epoch milliseconds, written
// as null, never omitted, when the level was never changed through the API (spec §2.2).
type LoggerLevel struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// newLoggerLevel converts the Backend's logger level.
func newLoggerLevel(l api.LoggerLevel) LoggerLevel {
	out := LoggerLevel{Level: l.Level}
	if l.LastModified != 0 {
		ms := l.LastModified
		out.LastModified = &ms
	}
	return out
}

// ErrorMessage is the body of every error (spec §1.2).
type ErrorMessage struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// ConnectorTaskID names one task of a connector (spec §2.1).
type ConnectorTaskID struct {
	Connector string `json:"connector"`
	Task      int32  `json:"task"`
}

// ConnectorInfo is a connector's config and tasks (spec §2.1); Type is "source", "sink" or
// "unknown".
type ConnectorInfo struct {
	Name   string            `json:"name"`
	Config map[string]string `json:"config"`
	Tasks  []ConnectorTaskID `json:"tasks"`
	Type   string            `json:"type"`

	order []string // the client's key order, for the answer to a create or PUT; nil: sorted
}

// TaskInfo is one task's config, an element of GET /connectors/{c}/tasks (spec §3.10).
type TaskInfo struct {
	ID     ConnectorTaskID   `json:"id"`
	Config map[string]string `json:"config"`
}

// ConnectorStateInfo is a connector's status and its tasks', sorted by id (spec §2.1, §2.2);
// it is also the restart plan of spec §3.13.
type ConnectorStateInfo struct {
	Name      string         `json:"name"`
	Connector ConnectorState `json:"connector"`
	Tasks     []TaskState    `json:"tasks"`
	Type      string         `json:"type"`
}

// ConnectorState is the state of a connector instance; Trace is omitted when empty (spec §2.2),
// Version (the plugin's version, Kafka Connect 4.1+, spec §0.1) when unknown.
type ConnectorState struct {
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
	Version  string `json:"version,omitempty"`
}

// TaskState is the state of one task: an element of ConnectorStateInfo.Tasks and the body of
// GET /connectors/{c}/tasks/{t}/status (spec §3.12). ID is the task number, not a
// ConnectorTaskID.
type TaskState struct {
	ID       int32  `json:"id"`
	State    string `json:"state"`
	WorkerID string `json:"worker_id"`
	Trace    string `json:"trace,omitempty"`
	Version  string `json:"version,omitempty"`
}

// PluginInfo describes an installed plugin (spec §2.1). Version is omitted only when it is
// "undefined" (spec §2.2); an empty version is written as "".
type PluginInfo struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	Version string `json:"version"`
}

// pluginVersionUndefined is the version Kafka Connect leaves out of PluginInfo (spec §2.2).
const pluginVersionUndefined = "undefined"

// MarshalJSON writes p, leaving out a version of "undefined".
func (p PluginInfo) MarshalJSON() ([]byte, error) {
	type plain PluginInfo // no methods: no recursion
	if p.Version != pluginVersionUndefined {
		return json.Marshal(plain(p))
	}
	return json.Marshal(struct {
		Class string `json:"class"`
		Type  string `json:"type"`
	}{p.Class, p.Type})
}

// ConfigKeyInfo is one key's definition (spec §2.1, §2.2): DefaultValue and Group are null
// when unset; the order field is "order_in_group", as Kafka Connect writes it from 4.2 on
// (spec §0.1), and the fields are in Kafka Connect 4.4's order.
type ConfigKeyInfo struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Required      bool     `json:"required"`
	DefaultValue  *string  `json:"default_value"`
	Importance    string   `json:"importance"`
	Documentation string   `json:"documentation"`
	Group         *string  `json:"group"`
	Order         int32    `json:"order_in_group"`
	Width         string   `json:"width"`
	DisplayName   string   `json:"display_name"`
	Dependents    []string `json:"dependents"`
}

// ConfigValueInfo is one key's validation result (spec §2.1); Value is null when unset.
type ConfigValueInfo struct {
	Name              string   `json:"name"`
	Value             *string  `json:"value"`
	RecommendedValues []string `json:"recommended_values"`
	Errors            []string `json:"errors"`
	Visible           bool     `json:"visible"`
}

// ConfigInfo pairs a definition (null for a key no table defines) with its value (spec §2.1).
type ConfigInfo struct {
	Definition *ConfigKeyInfo   `json:"definition"`
	Value      *ConfigValueInfo `json:"value"`
}

// ConfigInfos is the body of PUT /connector-plugins/{p}/config/validate (spec §2.1, §3.24).
type ConfigInfos struct {
	Name       string       `json:"name"`
	ErrorCount int32        `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []ConfigInfo `json:"configs"`
}

// newConfigKeyInfo converts one key definition (spec §2.2).
func newConfigKeyInfo(m *messages.ConfigKeyInfo) *ConfigKeyInfo {
	if m == nil {
		return nil
	}
	return &ConfigKeyInfo{
		Name: m.GetName(), Type: m.GetType(), Required: m.GetRequired(), DefaultValue: m.DefaultValue,
		Importance: m.GetImportance(), Documentation: m.GetDocumentation(), Group: m.Group, Width: m.GetWidth(),
		DisplayName: m.GetDisplayName(), Dependents: nonNilList(m.GetDependents()), Order: m.GetOrder(),
	}
}

// newConfigInfos converts a validation result (spec §3.24).
func newConfigInfos(m *messages.ConfigInfos) ConfigInfos {
	out := ConfigInfos{Name: m.GetName(), ErrorCount: m.GetErrorCount(), Groups: nonNilList(m.GetGroups()),
		Configs: make([]ConfigInfo, 0, len(m.GetConfigs()))}
	for _, c := range m.GetConfigs() {
		ci := ConfigInfo{Definition: newConfigKeyInfo(c.GetDefinition())}
		if v := c.GetValue(); v != nil {
			ci.Value = &ConfigValueInfo{Name: v.GetName(), Value: v.Value, RecommendedValues: nonNilList(v.GetRecommendedValues()),
				Errors: nonNilList(v.GetErrors()), Visible: v.GetVisible()}
		}
		out.Configs = append(out.Configs, ci)
	}
	return out
}

// nonNilList returns l, or an empty list: lists are written as [] and never null.
func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// connectorConfig is a config map as the client sent it (spec §3.4, §3.7). Strings are kept;
// numbers and booleans are kept as JSON wrote them ("tasks.max": 1 → "1", DESIGN.md); a JSON
// null is a nil value, reported by validation (spec §7 step 5); objects and arrays are 400s.
// A JSON null in place of the whole map leaves it nil.
type connectorConfig map[string]*string

// UnmarshalJSON decodes a config map; b is one complete JSON value.
func (c *connectorConfig) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*c = nil
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return badRequest("Connector config must be a JSON object of string values, not %s", jsonKind(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return badRequest("Connector config is not valid JSON: %v", err)
	}
	cfg := make(connectorConfig, len(raw))
	for _, k := range slices.Sorted(maps.Keys(raw)) { // sorted: the first error is deterministic
		v := bytes.TrimSpace(raw[k])
		switch kind := jsonKind(v); kind {
		case "null":
			cfg[k] = nil
		case "a string":
			if k == "name" {
				if err := checkJSONString(v); err != nil {
					return err
				}
			}
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return badRequest("Connector config value of %q is not a valid JSON string: %v", k, err)
			}
			cfg[k] = &s
		case "a number", "a boolean":
			s := string(v) // exactly as JSON wrote it
			cfg[k] = &s
		default:
			return badRequest("Connector config value of %q must be a string, number or boolean, not %s", k, kind)
		}
	}
	*c = cfg
	return nil
}

// orderedConfig is a config map and the order of its keys as the client sent them: the body of
// PUT /connectors/{c}/config.
type orderedConfig struct {
	config connectorConfig
	order  []string
}

// UnmarshalJSON decodes a config map and its key order.
func (o *orderedConfig) UnmarshalJSON(b []byte) error {
	if err := o.config.UnmarshalJSON(b); err != nil {
		return err
	}
	o.order = keyOrder(b)
	return nil
}

// createConnectorRequest is the body of POST /connectors (spec §2.1, §3.4).
type createConnectorRequest struct {
	name         string // trimmed; "" when absent or null
	config       connectorConfig
	order        []string             // config's keys as sent
	initialState messages.TargetState // STARTED when absent or null
}

// UnmarshalJSON decodes the body strictly: an unknown field, or a field of the wrong type, is a
// 400 (Kafka Connect: 500, spec §1.1, §16.2).
func (req *createConnectorRequest) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*req = createConnectorRequest{initialState: messages.TargetState_TARGET_STATE_STARTED}
	if string(b) == "null" {
		return nil // config missing: the handler says so
	}
	if len(b) == 0 || b[0] != '{' {
		return badRequest("Request body must be a JSON object with name and config, not %s", jsonKind(b))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return badRequest("Request body is not valid JSON: %v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		switch k {
		case "name":
			if err := checkJSONString(v); err != nil {
				return err
			}
			name, err := nullableString(k, v)
			if err != nil {
				return err
			}
			req.name = strings.TrimSpace(name) // spec §3.4 step 1
		case "config":
			if err := req.config.UnmarshalJSON(v); err != nil {
				return err
			}
			req.order = keyOrder(v)
		case "initial_state":
			s, err := nullableString(k, v)
			if err != nil {
				return err
			}
			if req.initialState, err = parseInitialState(s); err != nil {
				return err
			}
		default:
			return badRequest("Unrecognized field %q in request body: known fields are name, config, initial_state", k)
		}
	}
	return nil
}

// parseInitialState maps initial_state, case-insensitively, to a target state (spec §3.4);
// "" (absent or null) is STARTED.
func parseInitialState(s string) (messages.TargetState, error) {
	switch strings.ToUpper(s) {
	case "", "RUNNING":
		return messages.TargetState_TARGET_STATE_STARTED, nil
	case "PAUSED":
		return messages.TargetState_TARGET_STATE_PAUSED, nil
	case "STOPPED":
		return messages.TargetState_TARGET_STATE_STOPPED, nil
	}
	return 0, badRequest("Invalid initial_state %q: must be RUNNING, PAUSED or STOPPED", s)
}

// nullableString decodes field k's value v: a string, or null as "".
func nullableString(k string, v json.RawMessage) (string, error) {
	var s *string
	if kind := jsonKind(bytes.TrimSpace(v)); kind != "a string" && kind != "null" {
		return "", badRequest("Field %q must be a string, not %s", k, kind)
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return "", badRequest("Field %q is not a valid JSON string: %v", k, err)
	}
	if s == nil {
		return "", nil
	}
	return *s, nil
}

// jsonKind names the kind of the JSON value b starts, for error messages.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// reconcileName applies spec §3.4 step 2 / §3.7 to cfg for the connector name: a config "name"
// that differs is a 400, an absent (or null) one is inserted. JSON nulls left in cfg are then a
// validation error (spec §7 step 5). It returns the config the Backend receives.
func reconcileName(name string, cfg connectorConfig) (map[string]string, error) {
	if cfgName := cfg["name"]; cfgName != nil && *cfgName != name {
		return nil, badRequest(msgNameMismatch, echoed(*cfgName), echoed(name))
	}
	out := make(map[string]string, len(cfg)+1)
	var nulls []string
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		switch v := cfg[k]; {
		case k == "name": // a null name is replaced, like an absent one
		case v == nil:
			// Kafka Connect's line is the bare text; ours names the key in ConfigException's form.
			nulls = append(nulls, fmt.Sprintf("Invalid value null for configuration %s: %s", k, msgNullValue))
		default:
			out[k] = *v
		}
	}
	if len(nulls) > 0 {
		return nil, invalidConfig(nulls)
	}
	out["name"] = name
	return out, nil
}

// stateName is the Kafka Connect name of s (spec §6.1); an unset state is UNASSIGNED.
func stateName(s messages.State) string {
	switch s {
	case messages.State_STATE_RUNNING:
		return "RUNNING"
	case messages.State_STATE_PAUSED:
		return "PAUSED"
	case messages.State_STATE_FAILED:
		return "FAILED"
	case messages.State_STATE_RESTARTING:
		return "RESTARTING"
	case messages.State_STATE_STOPPED:
		return "STOPPED"
	default:
		return "UNASSIGNED"
	}
}

// connectorType is t, or "unknown" when the backend left it empty (spec §3.9).
func connectorType(t string) string {
	if t == "" {
		return "unknown"
	}
	return t
}

// nonNil returns m, or an empty map: configs are written as {} and never null.
func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// sortedTasks returns ts sorted by task number.
func sortedTasks(ts []*messages.TaskConfig) []*messages.TaskConfig {
	return slices.SortedStableFunc(slices.Values(ts), func(a, b *messages.TaskConfig) int {
		return cmp.Compare(a.GetTask(), b.GetTask())
	})
}

// newConnectorInfo converts the Backend's connector info (spec §2.1).
func newConnectorInfo(m *messages.ConnectorInfo) ConnectorInfo {
	tasks := make([]ConnectorTaskID, 0, len(m.GetTasks()))
	for _, t := range sortedTasks(m.GetTasks()) {
		tasks = append(tasks, ConnectorTaskID{Connector: m.GetName(), Task: t.GetTask()})
	}
	return ConnectorInfo{
		Name:   m.GetName(),
		Config: nonNil(m.GetConfig()),
		Tasks:  tasks,
		Type:   connectorType(m.GetType()),
	}
}

// newTaskInfos converts the task configs of a connector info (spec §3.10).
func newTaskInfos(m *messages.ConnectorInfo) []TaskInfo {
	tasks := make([]TaskInfo, 0, len(m.GetTasks()))
	for _, t := range sortedTasks(m.GetTasks()) {
		tasks = append(tasks, TaskInfo{
			ID:     ConnectorTaskID{Connector: m.GetName(), Task: t.GetTask()},
			Config: nonNil(t.GetConfig()),
		})
	}
	return tasks
}

// newTaskState converts the status of task id (spec §3.12).
func newTaskState(id int32, s *messages.InstanceStatus) TaskState {
	return TaskState{ID: id, State: stateName(s.GetState()), WorkerID: s.GetWorkerId(), Trace: s.GetTrace(), Version: s.GetVersion()}
}

// newConnectorStateInfo converts a connector's status, its tasks sorted by id (spec §2.2).
func newConnectorStateInfo(m *messages.ConnectorStatus) ConnectorStateInfo {
	tasks := make([]TaskState, 0, len(m.GetTasks()))
	for _, t := range m.GetTasks() {
		tasks = append(tasks, newTaskState(t.GetTask(), t.GetStatus()))
	}
	slices.SortStableFunc(tasks, func(a, b TaskState) int { return cmp.Compare(a.ID, b.ID) })
	c := m.GetConnector()
	return ConnectorStateInfo{
		Name:      m.GetName(),
		Connector: ConnectorState{State: stateName(c.GetState()), WorkerID: c.GetWorkerId(), Trace: c.GetTrace(), Version: c.GetVersion()},
		Tasks:     tasks,
		Type:      connectorType(m.GetType()),
	}
}

// newPluginInfo converts one plugin (spec §2.1).
func newPluginInfo(m *messages.PluginInfo) PluginInfo {
	return PluginInfo{Class: m.GetClass(), Type: m.GetType(), Version: m.GetVersion()}
}

// MarshalJSON writes i with its config in the order of i.order, the keys it leaves out after
// them in sorted order: Kafka Connect answers a create or a PUT with the config in the order
// the client sent it, "name" last when the client left it out (spec §0.1).
func (i ConnectorInfo) MarshalJSON() ([]byte, error) {
	type plain ConnectorInfo // no methods: no recursion
	if len(i.order) == 0 {
		return json.Marshal(plain(i))
	}
	var b bytes.Buffer
	b.WriteString(`{"name":`)
	if err := writeJSONValue(&b, i.Name); err != nil {
		return nil, err
	}
	b.WriteString(`,"config":{`)
	n := 0
	write := func(k string) error {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		if err := writeJSONValue(&b, k); err != nil {
			return err
		}
		b.WriteByte(':')
		return writeJSONValue(&b, i.Config[k])
	}
	seen := make(map[string]bool, len(i.Config))
	for _, k := range i.order {
		if _, ok := i.Config[k]; ok && !seen[k] {
			seen[k] = true
			if err := write(k); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(i.Config)) {
		if !seen[k] {
			if err := write(k); err != nil {
				return nil, err
			}
		}
	}
	b.WriteString(`},"tasks":`)
	if err := writeJSONValue(&b, i.Tasks); err != nil {
		return nil, err
	}
	b.WriteString(`,"type":`)
	if err := writeJSONValue(&b, i.Type); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeJSONValue appends v as JSON without HTML escaping, as writeJSON writes bodies.
func writeJSONValue(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// keyOrder returns the keys of the JSON object b in the order they appear, each once; nil
// when b is not an object.
func keyOrder(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}
