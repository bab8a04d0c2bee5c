package configprovider

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/connectd/connectd/properties"
)

// Provider is one configured provider: it returns the values of keys at path.
type Provider interface {
	// Get returns the value of each key found at path; a key not found is absent.
	Get(path string, keys []string) (map[string]string, error)
}

// Class names of Kafka's built-in providers.
const (
	FileClass      = "org.apache.kafka.common.config.provider.FileConfigProvider"
	DirectoryClass = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	EnvVarClass    = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
)

// allowedPaths is KIP-993's allowed.paths: when set, only files under these directories (or
// these files) may be read.
type allowedPaths []string

func parseAllowedPaths(v string) (allowedPaths, error) {
	var out allowedPaths
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("allowed.paths: %q is not an absolute path", p)
		}
		out = append(out, filepath.Clean(p))
	}
	return out, nil
}

func (a allowedPaths) check(path string) error {
	if len(a) == 0 {
		return nil
	}
	clean := filepath.Clean(path)
	for _, p := range a {
		if clean == p || strings.HasPrefix(clean, p+string(filepath.Separator)) {
			return nil
		}
	}
	return errors.New("the path is not in allowed.paths")
}

// fileProvider is FileConfigProvider: path is a Java properties file.
type fileProvider struct{ allowed allowedPaths }

func (f fileProvider) Get(path string, keys []string) (map[string]string, error) {
	if err := f.allowed.check(path); err != nil {
		return nil, err
	}
	props, err := readProperties(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := props[k]; ok {
			out[k] = v
		}
	}
	return out, nil
}

// directoryProvider is DirectoryConfigProvider: path is a directory, each key a regular
// file in it whose whole content is the value (Kubernetes secrets mounted as files).
type directoryProvider struct{ allowed allowedPaths }

func (d directoryProvider) Get(path string, keys []string) (map[string]string, error) {
	if err := d.allowed.check(path); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, errors.New("not a directory")
	}
	out := map[string]string{}
	for _, k := range keys {
		if k == "" || strings.ContainsRune(k, filepath.Separator) || k == "." || k == ".." {
			continue
		}
		b, err := os.ReadFile(filepath.Join(path, k))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		out[k] = string(b)
	}
	return out, nil
}

// envProvider is EnvVarConfigProvider: keys are environment variables; the path must be
// empty; allowlist.pattern limits which variables may be read.
type envProvider struct{ allow *regexp.Regexp }

func (e envProvider) Get(path string, keys []string) (map[string]string, error) {
	if path != "" {
		return nil, errors.New("EnvVarConfigProvider takes no path")
	}
	out := map[string]string{}
	for _, k := range keys {
		if e.allow != nil && !e.allow.MatchString(k) {
			continue
		}
		if v, ok := os.LookupEnv(k); ok {
			out[k] = v
		}
	}
	return out, nil
}

// newProvider makes the provider of class with its params.
func newProvider(class string, params map[string]string) (Provider, error) {
	for k := range params {
		known := map[string][]string{
			FileClass: {"allowed.paths"}, DirectoryClass: {"allowed.paths"}, EnvVarClass: {"allowlist.pattern"},
		}[class]
		if known != nil && !slices.Contains(known, k) {
			return nil, fmt.Errorf("unknown parameter %q", k)
		}
	}
	switch class {
	case FileClass, "FileConfigProvider":
		a, err := parseAllowedPaths(params["allowed.paths"])
		return fileProvider{a}, err
	case DirectoryClass, "DirectoryConfigProvider":
		a, err := parseAllowedPaths(params["allowed.paths"])
		return directoryProvider{a}, err
	case EnvVarClass, "EnvVarConfigProvider":
		var re *regexp.Regexp
		if p, ok := params["allowlist.pattern"]; ok {
			var err error
			if re, err = regexp.Compile("^(?:" + p + ")$"); err != nil {
				return nil, fmt.Errorf("allowlist.pattern: %w", err)
			}
		}
		return envProvider{re}, nil
	}
	return nil, fmt.Errorf("class %q is not a config provider connectd has (%s, %s, %s)", class, FileClass, DirectoryClass, EnvVarClass)
}

// readProperties reads a Java properties file.
func readProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return properties.Parse(f)
}
