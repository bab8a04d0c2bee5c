package converters

import (
	"bytes"
	"testing"
)

// FuzzToConnectData checks that no input makes JsonConverter panic, and that whatever it
// reads and can write again is stable: writing, reading and writing once more gives the same
// bytes. Run with: go test -fuzz FuzzToConnectData ./connectors/converters
func FuzzToConnectData(f *testing.F) {
	seeds := []string{
		`{"schema":{"type":"string","optional":false},"payload":"hello"}`,
		`{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,"name":"x.Y"},"payload":{"id":1}}`,
		`{"schema":{"type":"map","keys":{"type":"int8"},"values":{"type":"double","optional":true}},"payload":[[1,2.5],[300,null]]}`,
		`{"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"-3"}},"payload":1.5e2}`,
		`{"schema":{"type":"int32","name":"org.apache.kafka.connect.data.Time","default":5},"payload":null}`,
		`{"schema":{"type":"array","items":{"type":"float"}},"payload":[1e40,-0.0,3]}`,
		`{"schema":null,"payload":{"a":[1,2.5,"x",null,true,{"b":123456789012345678901234}]}}`,
		`{"a":1}`, `[1,2]`, `"\ud800"`, ``, `nul`, `{"schema":{"type":"int64","version":1e3},"payload":1e999999}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, schemas bool) {
		props := map[string]string{"schemas.enable": "false"}
		if schemas {
			props = nil
		}
		c := newJSON(t, props)
		s, v, err := c.ToConnectData("t", data)
		if err != nil {
			return
		}
		first, err := c.FromConnectData("t", s, v)
		if err != nil {
			return
		}
		s2, v2, err := c.ToConnectData("t", first)
		if err != nil {
			return
		}
		second, err := c.FromConnectData("t", s2, v2)
		if err != nil {
			t.Fatalf("re-reading %s gave data that does not write: %v", first, err)
		}
		if !bytes.Equal(first, second) {
			t.Fatalf("unstable:\n first %s\nsecond %s", first, second)
		}
	})
}
