package main

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseCPUSplit(t *testing.T) {
	cases := []struct {
		in             string
		loader, server []int // nil, nil: no split
		bad            bool
	}{
		{in: ""},
		{in: "off"},
		{in: "0:0", loader: []int{0}, server: []int{0}},
		{in: "0", bad: true},
		{in: "a:0", bad: true},
		{in: "0:-1", bad: true},
		{in: "0:1023", bad: true}, // not a CPU of this machine
	}
	for _, c := range cases {
		sp, err := parseCPUSplit(c.in)
		if (err != nil) != c.bad {
			t.Errorf("%q: error %v, want one: %v", c.in, err, c.bad)
			continue
		}
		if c.bad {
			continue
		}
		if got, want := fmt.Sprint(sp), fmt.Sprint(&cpuSplit{loader: c.loader, server: c.server}); c.loader != nil && got != want {
			t.Errorf("%q: %s, want %s", c.in, got, want)
		}
		if c.loader == nil && sp != nil {
			t.Errorf("%q: split %s, want none", c.in, sp)
		}
	}
}

// TestCPUSplitApply: every thread of this process and of the server runs on its side's
// CPUs while the split holds, and on the CPUs it had after undo.
func TestCPUSplitApply(t *testing.T) {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	var cpus []int
	for n := 0; n < 1024 && len(cpus) < 2; n++ {
		if all.IsSet(n) {
			cpus = append(cpus, n)
		}
	}
	if len(cpus) < 2 {
		t.Skip("one CPU: nothing to split")
	}
	server := exec.Command("sleep", "30")
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = server.Process.Kill(); _ = server.Wait() }()
	sp := &cpuSplit{loader: cpus[:1], server: cpus[1:2]}
	undo, err := sp.apply(server.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, pid int, want unix.CPUSet) {
		t.Helper()
		entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			var tid int
			fmt.Sscan(e.Name(), &tid)
			var got unix.CPUSet
			if err := unix.SchedGetaffinity(tid, &got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("%s: thread %d of pid %d may run on %d CPUs, not on the %d wanted", when, tid, pid, got.Count(), want.Count())
			}
		}
	}
	check("split", os.Getpid(), cpuSet(sp.loader))
	check("split", server.Process.Pid, cpuSet(sp.server))
	if err := undo(); err != nil {
		t.Fatal(err)
	}
	check("after undo", os.Getpid(), all)
	check("after undo", server.Process.Pid, all)
}
