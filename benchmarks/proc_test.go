package main

import (
	"os"
	"testing"
	"time"
)

// TestCPUTime: the process's CPU time read from /proc grows by about what a busy loop burned.
func TestCPUTime(t *testing.T) {
	before, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	var after time.Duration
	for after-before < 200*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("CPU time went from %v to %v in 10 s of busy looping", before, after)
		}
		for i := 0; i < 1e7; i++ {
			sink += i
		}
		if after, err = cpuTime(os.Getpid()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cpuTime(-1); err == nil {
		t.Error("cpuTime of no process: no error")
	}
}

var sink int

// TestMachineTicks: the machine's ticks grow, and steal is a part of them.
func TestMachineTicks(t *testing.T) {
	steal, total, err := machineTicks()
	if err != nil {
		t.Fatal(err)
	}
	if total <= 0 || steal < 0 || steal > total {
		t.Fatalf("steal %d of %d ticks", steal, total)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, later, err := machineTicks()
		if err != nil {
			t.Fatal(err)
		}
		if later > total {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the machine's ticks stayed at %d for 10 s", total)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
