package javaplugin

import (
	"context"
	"time"

	"github.com/connectd/connectd/connectors"
	pb "github.com/connectd/connectd/connectors/javaplugin/hostpb"
)

// newInstance makes an instance of className (or of its taskClass()) in the host, starting the
// host if needed, and returns the process that holds it.
func (h *Host) newInstance(ctx context.Context, className string, typ pb.PluginType, version string, task bool) (*process, uint64, error) {
	p, inst, err := h.newInstanceInfo(ctx, className, typ, version, task)
	return p, inst.GetInstance(), err
}

// newInstanceInfo is newInstance with the host's whole answer (the instance's class, version,
// and whether a source task commits records).
func (h *Host) newInstanceInfo(ctx context.Context, className string, typ pb.PluginType, version string, task bool) (*process, *pb.Instance, error) {
	p, err := h.process(ctx)
	if err != nil {
		return nil, nil, err
	}
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_NewInstance{NewInstance: &pb.NewInstance{
		ClassName: className, Type: typ, Version: version, TaskOfConnector: task}}})
	if err != nil {
		return nil, nil, err
	}
	return p, r.GetInstance(), nil
}

// forget closes an instance in the host and drops its handlers. A host that is down has
// forgotten it already.
func (p *process) forget(ctx context.Context, inst uint64) {
	p.setHandlers(inst, nil)
	p.call(ctx, &pb.Request{Call: &pb.Request_CloseInstance{CloseInstance: &pb.CloseInstance{Instance: inst}}})
}

// configDef asks the host for a plugin's ConfigDef.
func (h *Host) configDef(ctx context.Context, className string, typ pb.PluginType, version string) (connectors.ConfigDef, error) {
	p, err := h.process(ctx)
	if err != nil {
		return nil, err
	}
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_GetConfigDef{GetConfigDef: &pb.GetConfigDef{ClassName: className, Type: typ, Version: version}}})
	if err != nil {
		return nil, err
	}
	return configDefFromProto(r.GetConfigDef()), nil
}

// classCall makes a call on a fresh instance of a plugin class, starting the host if needed.
func (h *Host) classCall(ctx context.Context, req *pb.Request) (*pb.Response, error) {
	p, err := h.process(ctx)
	if err != nil {
		return nil, err
	}
	return p.call(ctx, req)
}

// validate runs a connector's validate() in the host.
func (h *Host) validate(ctx context.Context, className string, typ pb.PluginType, version string, props map[string]string) ([]connectors.ConfigValue, error) {
	p, err := h.process(ctx)
	if err != nil {
		return nil, err
	}
	r, err := p.call(ctx, &pb.Request{Call: &pb.Request_Validate{Validate: &pb.Validate{ClassName: className, Type: typ, Version: version, Props: props}}})
	if err != nil {
		return nil, err
	}
	var out []connectors.ConfigValue
	for _, v := range r.GetValidation().GetValues() {
		cv := connectors.ConfigValue{Name: v.GetName(), RecommendedValues: v.GetRecommendedValues(), Errors: v.GetErrors(), Visible: v.GetVisible()}
		if v.GetHasValue() {
			s := v.GetValue()
			cv.Value = &s
		}
		out = append(out, cv)
	}
	return out, nil
}

var configTypes = map[string]connectors.ConfigType{
	"BOOLEAN": connectors.Boolean, "STRING": connectors.String, "INT": connectors.Int, "SHORT": connectors.Short,
	"LONG": connectors.Long, "DOUBLE": connectors.Double, "LIST": connectors.List, "CLASS": connectors.Class,
	"PASSWORD": connectors.Password,
}

var importances = map[string]connectors.Importance{"HIGH": connectors.High, "MEDIUM": connectors.Medium, "LOW": connectors.Low}

var widths = map[string]connectors.Width{"NONE": connectors.WidthNone, "SHORT": connectors.WidthShort,
	"MEDIUM": connectors.WidthMedium, "LONG": connectors.WidthLong}

// configDefFromProto is a Java ConfigDef as a connectors.ConfigDef: the table GET
// /connector-plugins/{p}/config renders. Its validators stay in Java (ValidateConfig runs them).
func configDefFromProto(d *pb.ConfigDefinition) connectors.ConfigDef {
	out := connectors.ConfigDef{}
	for _, k := range d.GetKeys() {
		ck := connectors.ConfigKey{Name: k.GetName(), Type: configTypes[k.GetType()], Required: k.GetRequired(),
			Importance: importances[k.GetImportance()], Doc: k.GetDocumentation(), Group: k.GetGroup(),
			Order: int(k.GetOrderInGroup()), Width: widths[k.GetWidth()], DisplayName: k.GetDisplayName(),
			Dependents: k.GetDependents()}
		if k.GetHasDefault() && !k.GetNullDefault() {
			ck.Default = k.GetDefaultValue() // a null default stays nil
		}
		out = append(out, ck)
	}
	return out
}

func timeFromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
