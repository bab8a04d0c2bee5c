package actors

import (
	"testing"
	"unicode/utf8"
)

func TestIdentityRoundTrip(t *testing.T) {
	for _, name := range []string{"orders", "a/b", "with space", "ünïcödé", "a%2Fb", "100%", "x/0", "-", "a+b?c#d&e=f[g]"} {
		got, err := parseConnectorIdentity(connectorIdentity(name))
		if err != nil || got != name {
			t.Errorf("connector %q: got %q, %v", name, got, err)
		}
		for _, n := range []int32{0, 7, 1234} {
			gotName, gotN, err := parseTaskIdentity(taskIdentity(name, n))
			if err != nil || gotName != name || gotN != n {
				t.Errorf("task %q/%d: got %q/%d, %v", name, n, gotName, gotN, err)
			}
		}
	}
}

func FuzzIdentity(f *testing.F) {
	for _, s := range []string{"orders", "a/b", "x/1", "%zz", " "} {
		f.Add(s, int32(3))
	}
	f.Fuzz(func(t *testing.T, name string, n int32) {
		if !utf8.ValidString(name) || n < 0 {
			return
		}
		if got, err := parseConnectorIdentity(connectorIdentity(name)); err != nil || got != name {
			t.Fatalf("connector %q: got %q, %v", name, got, err)
		}
		gotName, gotN, err := parseTaskIdentity(taskIdentity(name, n))
		if err != nil || gotName != name || gotN != n {
			t.Fatalf("task %q/%d: got %q/%d, %v", name, n, gotName, gotN, err)
		}
		// A connector identity never parses as a task identity of another connector.
		if tn, _, err := parseTaskIdentity(connectorIdentity(name)); err == nil {
			t.Fatalf("connector identity of %q parsed as task of %q", name, tn)
		}
	})
}
