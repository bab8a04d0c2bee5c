package main

import (
	"slices"
	"testing"
)

func TestJVMCommand(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		java    string
		options []string
		ok      bool
	}{
		{"options", []string{"/usr/bin/java", "-Xmx2G", "-XX:+UseParallelGC", "-cp", "a.jar", "Main"}, "/usr/bin/java", []string{"-Xmx2G", "-XX:+UseParallelGC"}, true},
		{"none", []string{"java", "-classpath", "a.jar", "Main"}, "java", []string{}, true},
		{"long form", []string{"java", "-Xms32m", "--class-path", "a.jar", "Main"}, "java", []string{"-Xms32m"}, true},
		{"no classpath", []string{"java", "-jar", "host.jar"}, "", nil, false},
		{"empty", []string{""}, "", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			java, options, err := jvmCommand(c.args)
			if (err == nil) != c.ok {
				t.Fatalf("jvmCommand(%q) error %v, want ok %v", c.args, err, c.ok)
			}
			if java != c.java || !slices.Equal(options, c.options) {
				t.Errorf("jvmCommand(%q) = %q %q, want %q %q", c.args, java, options, c.java, c.options)
			}
		})
	}
}
