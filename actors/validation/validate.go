package validation

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/connectd/connectd/actors/api"
	"github.com/connectd/connectd/actors/configprovider"
	"github.com/connectd/connectd/connectors"
	"github.com/connectd/connectd/messages"
)

// The implicit keys of every transformation (Kafka's TransformationStage).
var transformImplicitConfig = connectors.ConfigDef{
	{Name: "predicate", Type: connectors.String, Default: nil, Importance: connectors.Medium,
		Doc: "The alias of a predicate used to determine whether to apply this transformation."},
	{Name: "negate", Type: connectors.Boolean, Default: "false", Importance: connectors.Medium,
		Doc: "Whether the configured predicate should be negated."},
}

// enrichable is a family of aliased plugins a connector config declares: transforms or
// predicates (Kafka's ConnectorConfig.EnrichablePlugin).
type enrichable struct {
	aliasKey string                // "transforms"
	group    string                // "Transforms"
	kind     connectors.PluginType // of the classes its types must name
	javaName string                // "Transformation", as Kafka's texts name the interface
	implicit connectors.ConfigDef  // keys every plugin of the family has
}

var enrichables = []enrichable{
	{"transforms", "Transforms", connectors.TransformationType, "Transformation", transformImplicitConfig},
	{"predicates", "Predicates", connectors.PredicateType, "Predicate", nil},
}

// uniqueAliases parses an alias list as Kafka does (a LIST, duplicates kept once, in order).
func uniqueAliases(raw string) []string {
	var out []string
	for _, a := range strings.Split(raw, ",") {
		if a = strings.TrimSpace(a); !slices.Contains(out, a) && (a != "" || strings.TrimSpace(raw) != "") {
			out = append(out, a)
		}
	}
	return out
}

// enriched is a connector's table enriched with its transform and predicate keys.
type enriched struct {
	def       connectors.ConfigDef
	zeroOrder map[string]bool // <family>.<alias>.type keys: Kafka gives them order 0 in their group
}

// enrich appends, for each declared transform and predicate alias, its type key and, when
// the type names a plugin of the right kind, that plugin's keys embedded under the alias's
// prefix and group (Kafka's ConnectorConfig.enrich and ConfigDef.embed).
func (vd *Validator) enrich(base connectors.ConfigDef, config map[string]string) enriched {
	out := enriched{def: slices.Clone(base), zeroOrder: map[string]bool{}}
	for _, fam := range enrichables {
		raw, ok := config[fam.aliasKey]
		if !ok {
			continue
		}
		for _, alias := range uniqueAliases(raw) {
			prefix, group := fam.aliasKey+"."+alias+".", fam.group+": "+alias
			typeKey := prefix + "type"
			var recommended []string
			for _, p := range vd.registry.Plugins() {
				if p.Type == fam.kind {
					recommended = append(recommended, p.Class)
				}
			}
			out.def = append(out.def, connectors.ConfigKey{Name: typeKey, Type: connectors.Class, Required: true,
				Importance: connectors.High, Doc: "Class for the '" + alias + "' " + strings.ToLower(fam.javaName) + ".",
				Group: group, Width: connectors.WidthLong, DisplayName: fam.javaName + " type for " + alias, Recommended: recommended})
			out.zeroOrder[typeKey] = true
			// Kafka Connect 4.1+ (KIP-891): each alias's plugin.version, order 1, defaulting to
			// the version the type resolves to, recommending the versions installed.
			cls := strings.TrimSpace(config[typeKey])
			version := connectors.ConfigKey{Name: prefix + "plugin.version", Type: connectors.String, Default: nil,
				Importance: connectors.High, Doc: "Version of the '" + alias + "' " + strings.ToLower(fam.javaName) + ".",
				Group: group, Order: 1, Width: connectors.WidthLong, DisplayName: fam.javaName + " version for " + alias,
				Recommended: vd.registry.Versions(cls, fam.kind)}
			p, ok := vd.registry.LookupKind(cls, fam.kind)
			if ok {
				version.Default = p.Version
			}
			out.def = append(out.def, version)
			if !ok {
				continue
			}
			plugin, ok := p.New().(interface{ Config() connectors.ConfigDef })
			if !ok {
				continue
			}
			own := slices.DeleteFunc(slices.Clone(plugin.Config()), func(k connectors.ConfigKey) bool {
				return fam.implicit != nil && slices.ContainsFunc(fam.implicit, func(i connectors.ConfigKey) bool { return i.Name == k.Name })
			})
			out.def = append(out.def, embed(prefix, group, 2, sortedKeys(connectors.Merge(fam.implicit, own)))...)
		}
	}
	return out
}

// sortedKeys orders a table as Kafka's ConfigDef.sortedConfigs does: by group (ungrouped
// first, then in order of first appearance), then order in group, then keys without a
// default first, then importance, then name.
func sortedKeys(def connectors.ConfigDef) connectors.ConfigDef {
	groupOrd := map[string]int{"": -1}
	for _, k := range def {
		if _, ok := groupOrd[k.Group]; !ok {
			groupOrd[k.Group] = len(groupOrd)
		}
	}
	out := slices.Clone(def)
	slices.SortStableFunc(out, func(a, b connectors.ConfigKey) int {
		return cmp.Or(cmp.Compare(groupOrd[a.Group], groupOrd[b.Group]), cmp.Compare(a.Order, b.Order),
			cmp.Compare(boolRank(!a.Required), boolRank(!b.Required)), cmp.Compare(a.Importance, b.Importance),
			strings.Compare(a.Name, b.Name))
	})
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// embed is Kafka's ConfigDef.embed: child's keys prefixed, in group "<group>[: <key group>]",
// numbered from start; display names stay the child's.
func embed(prefix, group string, start int, child connectors.ConfigDef) connectors.ConfigDef {
	out := make(connectors.ConfigDef, 0, len(child))
	for i, k := range child {
		e := k
		e.Name = prefix + k.Name
		e.Group = group
		if k.Group != "" {
			e.Group += ": " + k.Group
		}
		e.Order = start + i
		if e.DisplayName == "" {
			e.DisplayName = k.Name
		}
		e.Dependents = nil
		for _, d := range k.Dependents {
			e.Dependents = append(e.Dependents, prefix+d)
		}
		out = append(out, e)
	}
	return out
}

// validateConfig validates a connector config as Kafka's AbstractHerder.validateConnectorConfig
// does (spec §7, §3.24), for create, PUT, PATCH and the validate endpoint alike. nulls are
// keys the client sent as JSON null. A missing or unknown class is BAD_REQUEST (spec §0.1).
func (vd *Validator) validateConfig(config map[string]string, nulls []string) (infos *messages.ConfigInfos, err error) {
	class, ok := config["connector.class"]
	if !ok || class == "" {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgNoConnectorType)
	}
	// connector.plugin.version selects among the installed versions of the class; one that
	// matches none is reported on the keys (validateVersions), against the default version.
	conn, plugin, err := vd.registry.SelectConnector(class, config[connectorVersionKey])
	var versionErr string
	if errors.Is(err, connectors.ErrNoSuchVersion) {
		versionErr = err.Error()
		conn, plugin, err = vd.registry.NewConnector(class)
	}
	switch {
	case errors.Is(err, connectors.ErrPluginUnavailable): // installed, cannot run here (no Java)
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, "%v", err)
	case err != nil: // Kafka Connect 4.4: a 400 (spec §0.1)
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgUnknownClass, class, strings.Join(vd.registry.ConnectorClassNames(), ", "))
	}
	_, isSink := conn.(connectors.SinkConnector)
	// Values are checked resolved (config providers), reported as written, and no message
	// may carry a resolved value.
	raw := config
	res, resolveErr := vd.providers.Resolve(config)
	config = res.Config
	defer func() {
		if infos != nil {
			showAsWritten(infos, raw, vd.providers, res)
		}
	}()
	base := vd.withPluginDefaults(connectors.Merge(connectorBaseConfig, kindConfig(isSink)), plugin, config)
	en := vd.enrich(base, config)
	values := en.def.Validate(config)
	byName := map[string]*connectors.ConfigValue{}
	for i := range values {
		byName[values[i].Name] = &values[i]
	}
	addError := func(key, msg string) {
		if v := byName[key]; v != nil {
			v.Errors = append(v.Errors, msg)
		}
	}
	if isSink {
		validateSinkTopics(config, addError)
	} else {
		vd.validateExactlyOnce(conn, config, byName, addError)
	}
	vd.validatePluginClasses(config, byName, addError)
	vd.validateVersions(config, versionErr, addError)

	var undefined []connectors.ConfigValue // values no table defines, listed first (spec §3.24)
	for _, e := range flatten(resolveErr) {
		var ke *configprovider.KeyError
		if !errors.As(e, &ke) {
			continue
		}
		msg := fmt.Sprintf(msgUnresolved, ke.Key, ke.Err)
		if byName[ke.Key] != nil {
			addError(ke.Key, msg)
		} else {
			rv := raw[ke.Key]
			undefined = append(undefined, connectors.ConfigValue{Name: ke.Key, Value: &rv, Errors: []string{msg}, Visible: true})
		}
	}
	for _, k := range nulls {
		if byName[k] != nil {
			addError(k, msgNullValue)
		} else {
			undefined = append(undefined, connectors.ConfigValue{Name: k, Errors: []string{msgNullValue}, Visible: true})
		}
	}

	// The connector's own keys: a key the base table already defines keeps its place and
	// gains the connector's errors.
	own, ownValues, err := vd.ownValidation(conn, config)
	if err != nil {
		return nil, err
	}
	def := slices.Clone(en.def)
	for _, k := range own {
		if byName[k.Name] == nil {
			def = append(def, k)
		}
	}
	for _, v := range ownValues {
		switch {
		case byName[v.Name] != nil:
			byName[v.Name].Errors = append(byName[v.Name].Errors, v.Errors...)
		case slices.ContainsFunc(own, func(k connectors.ConfigKey) bool { return k.Name == v.Name }):
			values = append(values, v)
			byName[v.Name] = &values[len(values)-1]
			for i := range values { // re-point: append may have moved the slice
				byName[values[i].Name] = &values[i]
			}
		default:
			undefined = append(undefined, v)
		}
	}

	infos = &messages.ConfigInfos{Name: class, Groups: groupsOf(def)}
	for _, v := range undefined {
		infos.Configs = append(infos.Configs, &messages.ConfigInfo{Value: valueInfo(v, "")})
		infos.ErrorCount += int32(len(v.Errors))
	}
	keyInfos := def.Infos()
	for i, k := range keyInfos {
		ki := keyInfo(k, "")
		if en.zeroOrder[k.Name] {
			ki.Order = 0
		}
		ci := &messages.ConfigInfo{Definition: ki}
		if v := byName[def[i].Name]; v != nil {
			ci.Value = valueInfo(*v, "")
			infos.ErrorCount += int32(len(v.Errors))
		}
		infos.Configs = append(infos.Configs, ci)
	}
	// Converter sub-configs, header first as Kafka merges them; one error per key with errors.
	for _, key := range []string{"header.converter", "key.converter", "value.converter"} {
		vd.appendConverterSection(infos, config, key, byName[key])
	}
	overrides, n := vd.clientOverrideInfos(config, isSink)
	infos.Configs = append(infos.Configs, overrides...)
	infos.ErrorCount += n
	return infos, nil
}

// showAsWritten puts back each value that held a config-provider placeholder as written,
// and redacts every resolved value from the messages.
func showAsWritten(infos *messages.ConfigInfos, raw map[string]string, set *configprovider.Set, res *configprovider.Resolution) {
	for _, ci := range infos.Configs {
		v := ci.GetValue()
		if v == nil {
			continue
		}
		if rv, ok := raw[v.GetName()]; ok && v.Value != nil && set.HasPlaceholder(rv) {
			w := rv
			v.Value = &w
		}
		for i, e := range v.Errors {
			v.Errors[i] = res.Redact(e)
		}
		for i, r := range v.RecommendedValues {
			v.RecommendedValues[i] = res.Redact(r)
		}
	}
}

// validatePluginClasses checks the CLASS keys that name plugins: converters, and each
// transform's and predicate's type, with Kafka's texts; it also checks transforms'
// negate and predicate keys.
func (vd *Validator) validatePluginClasses(config map[string]string, byName map[string]*connectors.ConfigValue, addError func(key, msg string)) {
	check := func(key string, kind connectors.PluginType, javaName string) {
		cls := strings.TrimSpace(config[key])
		if _, set := config[key]; !set || byName[key] == nil {
			return
		}
		if p, ok := vd.registry.LookupKind(cls, kind); ok {
			byName[key].Value = &p.Class // a CLASS value renders as its class name
			return
		}
		if p, ok := vd.registry.Lookup(cls); ok {
			byName[key].Value = &p.Class
			addError(key, fmt.Sprintf(msgNotA, p.Class, key, javaName))
			return
		}
		byName[key].Value = nil
		addError(key, fmt.Sprintf(msgClassNotFound, config[key], key, config[key]))
	}
	check("key.converter", connectors.ConverterType, "Converter")
	check("value.converter", connectors.ConverterType, "Converter")
	check("header.converter", connectors.HeaderConverterType, "HeaderConverter")
	predicates := uniqueAliases(config["predicates"])
	for _, fam := range enrichables {
		raw, ok := config[fam.aliasKey]
		if !ok {
			continue
		}
		for _, alias := range uniqueAliases(raw) {
			prefix := fam.aliasKey + "." + alias + "."
			typeKey := prefix + "type"
			if _, set := config[typeKey]; set {
				// Kafka reports a class that does not load before the negate check, and a class
				// of the wrong kind after it.
				cls := strings.TrimSpace(config[typeKey])
				if _, ok := vd.registry.Lookup(cls); !ok {
					check(typeKey, fam.kind, fam.javaName)
				}
			}
			if fam.kind == connectors.TransformationType {
				_, negate := config[prefix+"negate"]
				pred, hasPred := config[prefix+"predicate"]
				if negate && !hasPred {
					addError(typeKey, fmt.Sprintf(msgNegateWithoutPredicate, prefix, prefix))
				}
				if p := strings.TrimSpace(pred); hasPred && p != "" && !slices.Contains(predicates, p) {
					addError(prefix+"predicate", fmt.Sprintf(msgUndefinedPredicate, pred, prefix+"predicate", p))
				}
			}
			if _, set := config[typeKey]; set {
				if _, ok := vd.registry.Lookup(strings.TrimSpace(config[typeKey])); ok {
					check(typeKey, fam.kind, fam.javaName)
				}
			}
		}
	}
}

// appendConverterSection validates the sub-config of the converter that key names, when the
// connector config sets one without errors (Kafka's validateConverterConfig): its values
// under the key's prefix, counted once per key with errors (spec §3.24).
func (vd *Validator) appendConverterSection(infos *messages.ConfigInfos, config map[string]string, key string, v *connectors.ConfigValue) {
	cls, set := config[key]
	if !set || v == nil || len(v.Errors) > 0 {
		return
	}
	kind := connectors.ConverterType
	if key == "header.converter" {
		kind = connectors.HeaderConverterType
	}
	p, ok := vd.registry.LookupKind(strings.TrimSpace(cls), kind)
	if !ok {
		return
	}
	plugin, ok := p.New().(interface{ Config() connectors.ConfigDef })
	if !ok || plugin.Config() == nil {
		return
	}
	def := plugin.Config()
	props := SubConfig(config, key+".")
	if _, ok := props["converter.type"]; !ok {
		props["converter.type"] = strings.TrimSuffix(key, ".converter")
	}
	prefix := key + "."
	infos.Groups = appendNew(infos.Groups, groupsOf(def)...)
	keyInfos := def.Infos()
	for i, val := range def.Validate(props) {
		ci := &messages.ConfigInfo{Definition: keyInfo(keyInfos[i], prefix), Value: valueInfo(val, prefix)}
		if len(val.Errors) > 0 {
			infos.ErrorCount++
		}
		infos.Configs = append(infos.Configs, ci)
	}
}

// groupsOf lists the groups of def in order of first appearance.
func groupsOf(def connectors.ConfigDef) []string {
	var out []string
	for _, k := range def {
		if k.Group != "" {
			out = appendNew(out, k.Group)
		}
	}
	return out
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// keyInfo converts a rendered key definition, its name prefixed.
func keyInfo(k connectors.KeyInfo, prefix string) *messages.ConfigKeyInfo {
	return &messages.ConfigKeyInfo{
		Name: prefix + k.Name, Type: k.Type, Required: k.Required, DefaultValue: k.DefaultValue,
		Importance: k.Importance, Documentation: k.Documentation, Group: k.Group, Width: k.Width,
		DisplayName: k.DisplayName, Dependents: slices.Clone(k.Dependents), Order: int32(k.Order),
	}
}

// valueInfo converts a validation result, its name prefixed.
func valueInfo(v connectors.ConfigValue, prefix string) *messages.ConfigValueInfo {
	return &messages.ConfigValueInfo{
		Name: prefix + v.Name, Value: v.Value, RecommendedValues: slices.Clone(v.RecommendedValues),
		Errors: slices.Clone(v.Errors), Visible: v.Visible,
	}
}

// PluginConfig returns the definitions GET /connector-plugins/{p}/config lists (spec §3.23):
// the plugin's own keys, then for a connector the base sink or source keys it does not
// define.
//
// version, when not empty, selects the plugin's version as connector.plugin.version does
// (Kafka Connect 4.1+'s ?version=); one no installed version matches is a 400 with Kafka's
// text.
func (vd *Validator) PluginConfig(name, version string) ([]*messages.ConfigKeyInfo, error) {
	p, ok := vd.registry.Lookup(name)
	if !ok {
		return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_NOT_FOUND, msgUnknownPlugin, name)
	}
	if strings.TrimSpace(version) != "" {
		if !connectors.IsConnector(p.Type) {
			pv, versions, ok := vd.registry.LookupVersion(name, version, func(t connectors.PluginType) bool { return t == p.Type })
			if !ok {
				return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, msgNoVersion, p.Class, "["+version+","+version+"]", strings.Join(versions, ", "))
			}
			p = pv
		} else {
			_, pv, err := vd.registry.SelectConnector(name, version)
			if err != nil {
				return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_BAD_REQUEST, "%v", err)
			}
			p = pv
		}
	}
	plugin, ok := p.New().(interface{ Config() connectors.ConfigDef })
	if !ok {
		return nil, fmt.Errorf("plugin %s: no configuration table", p.Class)
	}
	def := plugin.Config()
	// The connector's version is its key's default here too; the converters' are the
	// worker's only in validate (spec §0.1).
	withVersion := func(base connectors.ConfigDef) connectors.ConfigDef {
		out := slices.Clone(base)
		for i := range out {
			if out[i].Name == connectorVersionKey {
				out[i].Default = p.Version
			}
		}
		return out
	}
	switch p.Type {
	case connectors.Sink:
		def = connectors.Merge(def, withVersion(connectorBaseConfig), sinkConfig)
	case connectors.Source:
		def = connectors.Merge(def, withVersion(connectorBaseConfig), sourceConfig)
	}
	out := make([]*messages.ConfigKeyInfo, 0, len(def))
	for _, k := range def.Infos() {
		out = append(out, keyInfo(k, ""))
	}
	return out, nil
}

// ForEndpoint is validateConfig as PUT /connector-plugins/{p}/config/validate
// answers it: errors thrown during validation are 500s whose message starts with the Java
// exception's class, as Kafka does not unwrap them there (spec §3.24, §16.1).
func (vd *Validator) ForEndpoint(config map[string]string, nulls []string) (*messages.ConfigInfos, error) {
	infos, err := vd.validateConfig(config, nulls)
	if err == nil || api.CodeOf(err) == messages.ErrorCode_ERROR_CODE_TIMEOUT {
		return infos, err // Kafka Connect's validate endpoint times out with its plain text
	}
	prefix := javaConnectException
	if api.CodeOf(err) == messages.ErrorCode_ERROR_CODE_BAD_REQUEST {
		prefix = javaBadRequest
	}
	return nil, api.Errorf(messages.ErrorCode_ERROR_CODE_INTERNAL, "%s%s", prefix, err.Error())
}
