package kafkaconfig

import (
	"errors"
	"maps"
	"strings"
	"testing"
)

func TestParseJAAS(t *testing.T) {
	tests := []struct {
		in      string
		module  string
		options map[string]string
		wantErr bool
	}{
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr=t;x";`,
			module: plainModule, options: map[string]string{"username": "alice", "password": "s3cr=t;x"}},
		{in: "org.apache.kafka.common.security.scram.ScramLoginModule required\n  username=\"bob\"\n  password=\"p\\\"q\";",
			module: scramModule, options: map[string]string{"username": "bob", "password": `p"q`}},
		{in: `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=abc clientSecret="x y" scope="a b" extension_logicalCluster=lkc-1 ;`,
			module: oauthModule, options: map[string]string{"clientId": "abc", "clientSecret": "x y", "scope": "a b", "extension_logicalCluster": "lkc-1"}},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule REQUIRED;`, module: plainModule, options: map[string]string{}},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice"`, wantErr: true}, // no ;
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule mandatory username="a";`, wantErr: true},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="a;`, wantErr: true},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username;`, wantErr: true},
		{in: `A required; B required;`, wantErr: true},
		{in: ``, wantErr: true},
	}
	for _, tt := range tests {
		e, err := parseJAAS(tt.in)
		if tt.wantErr {
			if !errors.Is(err, errJAAS) {
				t.Errorf("parseJAAS(%q) = %v, want errJAAS", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseJAAS(%q): %v", tt.in, err)
			continue
		}
		if e.Module != tt.module || !maps.Equal(e.Options, tt.options) {
			t.Errorf("parseJAAS(%q) = %+v, want %s %v", tt.in, e, tt.module, tt.options)
		}
	}
}

// FuzzParseJAAS: the parser never panics, and its errors never quote the value (a secret).
func FuzzParseJAAS(f *testing.F) {
	f.Add(`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";`)
	f.Add(`x required a="\`)
	f.Fuzz(func(t *testing.T, s string) {
		_, err := parseJAAS(s)
		if err != nil && len(s) > 8 && strings.Contains(err.Error(), s) {
			t.Fatalf("error quotes the value")
		}
	})
}
