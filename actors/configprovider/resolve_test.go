package configprovider

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "creds.properties")
	if err := os.WriteFile(creds, []byte("# secrets\npassword=hunter2-long\nuser = alice\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(dir, "secrets")
	if err := os.Mkdir(secrets, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secrets, "token"), []byte("tok-123"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONNECTD_TEST_SECRET", "from-env")
	t.Setenv("OTHER_VAR", "not-allowed")
	set, err := FromProperties(map[string]string{
		"config.providers":                             "file,dir,env",
		"config.providers.file.class":                  FileClass,
		"config.providers.file.param.allowed.paths":    dir,
		"config.providers.dir.class":                   DirectoryClass,
		"config.providers.env.class":                   EnvVarClass,
		"config.providers.env.param.allowlist.pattern": "CONNECTD_.*",
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      map[string]string
		want    map[string]string
		errKeys []string
	}{
		{"file, directory and env", map[string]string{
			"a": "${file:" + creds + ":password}", "b": "user=${file:" + creds + ":user};t=${dir:" + secrets + ":token}",
			"c": "${env:CONNECTD_TEST_SECRET}", "plain": "x",
		}, map[string]string{"a": "hunter2-long", "b": "user=alice;t=tok-123", "c": "from-env", "plain": "x"}, nil},
		{"unknown provider left as written", map[string]string{"a": "${vault:secret/x:pw}"}, map[string]string{"a": "${vault:secret/x:pw}"}, nil},
		{"missing key", map[string]string{"a": "${file:" + creds + ":nope}"}, nil, []string{"a"}},
		{"missing file", map[string]string{"a": "${file:" + filepath.Join(dir, "none") + ":k}"}, nil, []string{"a"}},
		{"outside allowed.paths", map[string]string{"a": "${file:/etc/hostname:k}"}, nil, []string{"a"}},
		{"missing directory entry", map[string]string{"a": "${dir:" + secrets + ":nope}"}, nil, []string{"a"}},
		{"env not allowed", map[string]string{"a": "${env:OTHER_VAR}", "b": "${env:CONNECTD_UNSET_VAR}"}, nil, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := set.Resolve(tt.in)
			if tt.errKeys != nil {
				var got []string
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					var ke *KeyError
					if !errors.As(e, &ke) || !errors.Is(e, ErrUnresolved) {
						t.Fatalf("error %v is not a KeyError/ErrUnresolved", e)
					}
					got = append(got, ke.Key)
				}
				if strings.Join(got, ",") != strings.Join(tt.errKeys, ",") {
					t.Fatalf("error keys %v, want %v", got, tt.errKeys)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(res.Config, tt.want) {
				t.Fatalf("Resolve = %v, want %v", res.Config, tt.want)
			}
		})
	}
	res, err := set.Resolve(map[string]string{"a": "${file:" + creds + ":password}"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Redact("login failed for hunter2-long"); got != "login failed for [hidden]" {
		t.Errorf("Redact = %q", got)
	}
	raw := map[string]string{"a": "${file:" + creds + ":password}", "b": "plain"}
	restored := set.Restore(raw, []map[string]string{{"a": "hunter2-long", "b": "plain", "task.id": "0"}})
	if restored[0]["a"] != raw["a"] || restored[0]["b"] != "plain" || restored[0]["task.id"] != "0" {
		t.Errorf("Restore = %v", restored)
	}
}

func TestFromPropertiesErrors(t *testing.T) {
	for _, props := range []map[string]string{
		{"config.providers": "file"},
		{"config.providers": "x", "config.providers.x.class": "com.example.VaultConfigProvider"},
		{"config.providers": "f", "config.providers.f.class": FileClass, "config.providers.f.param.allowed.paths": "relative/dir"},
		{"config.providers": "e", "config.providers.e.class": EnvVarClass, "config.providers.e.param.allowlist.pattern": "("},
	} {
		if _, err := FromProperties(props); err == nil {
			t.Errorf("FromProperties(%v) succeeded", props)
		}
	}
}
