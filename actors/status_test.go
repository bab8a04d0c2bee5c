package actors

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/connectd/connectd/messages"
)

// TestCopyStatusCopiesEveryField sets every field of InstanceStatus, whatever fields it has,
// and requires copyStatus to carry each one: a field added to the message and not to the copy
// would silently vanish from GET …/status.
func TestCopyStatusCopiesEveryField(t *testing.T) {
	s := &messages.InstanceStatus{}
	m := s.ProtoReflect()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		var v protoreflect.Value
		switch f.Kind() {
		case protoreflect.StringKind:
			v = protoreflect.ValueOfString("x-" + string(f.Name()))
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			v = protoreflect.ValueOfInt64(int64(100 + i))
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			v = protoreflect.ValueOfInt32(int32(100 + i))
		case protoreflect.BoolKind:
			v = protoreflect.ValueOfBool(true)
		case protoreflect.EnumKind:
			values := f.Enum().Values()
			v = protoreflect.ValueOfEnum(values.Get(values.Len() - 1).Number())
		default:
			t.Fatalf("field %s of kind %v: teach this test to set it", f.Name(), f.Kind())
		}
		m.Set(f, v)
	}
	got := copyStatus(s)
	if !proto.Equal(got, s) {
		t.Fatalf("copyStatus(%v) = %v: a field is not copied", s, got)
	}
	if got == s {
		t.Fatal("copyStatus returned its argument, not a copy")
	}
	if copyStatus(nil) != nil {
		t.Fatal("copyStatus(nil) is not nil")
	}
}
