package properties

import (
	"maps"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"kafka sample", "# comment\n! also\nbootstrap.servers=localhost:9092\ngroup.id=connect-cluster\n\nkey.converter.schemas.enable=true\n",
			map[string]string{"bootstrap.servers": "localhost:9092", "group.id": "connect-cluster", "key.converter.schemas.enable": "true"}},
		{"separators", "a=1\nb: 2\nc 3\nd\t = \t4\ne\n", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": ""}},
		{"continuation", "plugin.path=/a,\\\n    /b,\\\n    /c\n", map[string]string{"plugin.path": "/a,/b,/c"}},
		{"escapes", `k\ ey\=x=v\tal\u00e9 \q` + "\n", map[string]string{"k ey=x": "v\talé q"}},
		{"value keeps inner spaces and =", "a = x = y  \n", map[string]string{"a": "x = y  "}},
		{"crlf", "a=1\r\nb=2\r\n", map[string]string{"a": "1", "b": "2"}},
		{"later wins", "a=1\na=2\n", map[string]string{"a": "2"}},
		{"indented comment", "   # not a key\n  a=1\n", map[string]string{"a": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	if _, err := Parse(strings.NewReader(`a=\u12`)); err == nil {
		t.Error("malformed \\u escape accepted")
	}
}

func FuzzParseProperties(f *testing.F) {
	f.Add("a=1\nb:2\\\n 3\n#x\n")
	f.Add(`k\u0041=\\`)
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = Parse(strings.NewReader(in)) // must not panic
	})
}
