package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: the worker collects at defaultGCPercent unless GOGC is set, and then leaves the
// runtime's reading of GOGC alone.
func TestTuneGC(t *testing.T) {
	const before = 123
	tests := []struct {
		name string
		gogc string
		want int
	}{
		{"GOGC not set", "", defaultGCPercent},
		{"GOGC set", "100", before},
		{"GOGC=off", "off", before},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := debug.SetGCPercent(before)
			defer debug.SetGCPercent(prev)
			tuneGC(func(k string) string {
				if k == "GOGC" {
					return tt.gogc
				}
				return ""
			})
			if got := debug.SetGCPercent(before); got != tt.want {
				t.Errorf("GC percent = %d, want %d", got, tt.want)
			}
		})
	}
}
