package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// cpuSplit puts the load generator and the server it measures on separate CPUs for one cell,
// as a load generator on another machine would be. Sharing the cores, what the generator and
// the kernel's loopback spend per request is taken from the server, and it is the larger share
// of the machine for the faster server: the req/s ratio then says more about the generator
// than about the servers. Pinned, each server has the same CPUs, and so does the generator.
type cpuSplit struct {
	loader, server []int
}

// parseCPUSplit reads "L:S", each side a comma-separated list of CPU numbers ("0:1", "0:1,2,3");
// "" and "off" mean no split.
func parseCPUSplit(s string) (*cpuSplit, error) {
	if s == "" || s == "off" {
		return nil, nil
	}
	l, r, ok := strings.Cut(s, ":")
	if !ok {
		return nil, fmt.Errorf("CPU split %q: want LOADER:SERVER, e.g. 0:1", s)
	}
	var sp cpuSplit
	for _, side := range []struct {
		text string
		cpus *[]int
	}{{l, &sp.loader}, {r, &sp.server}} {
		for _, f := range strings.Split(side.text, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("CPU split %q: %q is not a CPU number", s, f)
			}
			*side.cpus = append(*side.cpus, n)
		}
	}
	var online unix.CPUSet
	if err := unix.SchedGetaffinity(0, &online); err != nil {
		return nil, fmt.Errorf("CPU split: %w", err)
	}
	for _, n := range append(append([]int{}, sp.loader...), sp.server...) {
		if !online.IsSet(n) {
			return nil, fmt.Errorf("CPU split %q: CPU %d is not one this process may run on", s, n)
		}
	}
	return &sp, nil
}

// defaultCPUSplit is "0:1" on a machine of two or more CPUs, the split the README's figures use.
func defaultCPUSplit() string {
	var online unix.CPUSet
	if err := unix.SchedGetaffinity(0, &online); err != nil || online.Count() < 2 || !online.IsSet(0) || !online.IsSet(1) {
		return "off"
	}
	return "0:1"
}

func (sp *cpuSplit) String() string {
	if sp == nil {
		return "off"
	}
	join := func(cpus []int) string {
		s := make([]string, len(cpus))
		for i, n := range cpus {
			s[i] = strconv.Itoa(n)
		}
		return strings.Join(s, ",")
	}
	return "load generator on CPU " + join(sp.loader) + ", server on CPU " + join(sp.server)
}

// apply pins every thread of this process to the loader's CPUs and every thread of server to
// the server's, and returns what gives both back the CPUs they had. Threads started later
// inherit their creator's CPUs.
func (sp *cpuSplit) apply(server int) (undo func() error, err error) {
	if sp == nil {
		return func() error { return nil }, nil
	}
	self := os.Getpid()
	var before [2]unix.CPUSet
	for i, pid := range []int{self, server} {
		if err := unix.SchedGetaffinity(pid, &before[i]); err != nil {
			return nil, fmt.Errorf("CPUs of pid %d: %w", pid, err)
		}
	}
	undo = func() error {
		return errors.Join(pinProcess(self, before[0]), pinProcess(server, before[1]))
	}
	if err := errors.Join(pinProcess(self, cpuSet(sp.loader)), pinProcess(server, cpuSet(sp.server))); err != nil {
		return nil, errors.Join(err, undo())
	}
	return undo, nil
}

func cpuSet(cpus []int) unix.CPUSet {
	var set unix.CPUSet
	for _, n := range cpus {
		set.Set(n)
	}
	return set
}

// pinProcess sets the CPUs of every thread of pid. It lists the threads until a pass finds
// none it has not pinned: a thread created during a pass by one not yet pinned has the old CPUs.
func pinProcess(pid int, set unix.CPUSet) error {
	done := map[int]bool{}
	for {
		entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return fmt.Errorf("threads of pid %d: %w", pid, err)
		}
		fresh := 0
		for _, e := range entries {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			fresh++
			done[tid] = true
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("CPUs of thread %d of pid %d: %w", tid, pid, err)
			}
		}
		if fresh == 0 {
			return nil
		}
	}
}
