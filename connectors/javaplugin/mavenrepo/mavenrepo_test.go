package mavenrepo

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slf4jAPI is a small real artifact of Maven Central, with its published SHA-256.
var slf4jAPI = Artifact{Group: "org.slf4j", Name: "slf4j-api", Version: "1.7.36",
	SHA256: "d3ef575e3e4979678dc01bf1dcce51021493b4d11fb7f1be8ad982877c16a1c0"}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// closedURL is an http URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/maven2"
}

// TestFetchFromCentral fetches a real jar from Maven Central, checked by its pinned SHA-256 or
// by Central's .sha1, and then from the cache alone.
func TestFetchFromCentral(t *testing.T) {
	unpinned := slf4jAPI
	unpinned.SHA256 = ""
	for _, a := range []Artifact{slf4jAPI, unpinned} {
		t.Run("sha256="+a.SHA256, func(t *testing.T) {
			cache := t.TempDir()
			path, err := Repo{Remote: Central, Cache: cache}.Fetch(testContext(t), a)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(cache, "org", "slf4j", "slf4j-api", "1.7.36", "slf4j-api-1.7.36.jar"); path != want {
				t.Fatalf("path = %s, want %s", path, want)
			}
			if err := checkSHA256(path, slf4jAPI.SHA256); err != nil {
				t.Fatal(err)
			}
			// cached: no network needed any more
			again, err := Repo{Remote: closedURL(t), Cache: cache}.Fetch(testContext(t), a)
			if err != nil || again != path {
				t.Fatalf("from the cache: %s, %v", again, err)
			}
		})
	}
}

func TestFetchRefusesWrongChecksum(t *testing.T) {
	a := slf4jAPI
	a.SHA256 = strings.Repeat("0", 64)
	cache := t.TempDir()
	_, err := Repo{Remote: Central, Cache: cache}.Fetch(testContext(t), a)
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), Central+"/org/slf4j/slf4j-api/1.7.36/slf4j-api-1.7.36.jar") {
		t.Fatalf("err = %v, want a checksum mismatch naming the URL", err)
	}
	if _, err := os.Stat(filepath.Join(cache, filepath.FromSlash(a.Path()))); !os.IsNotExist(err) {
		t.Fatalf("a file that failed its checksum is cached: %v", err)
	}
}

// TestFetchUnreachable: a repository that cannot be reached is an error naming the URL and
// saying how to point connectd elsewhere.
func TestFetchUnreachable(t *testing.T) {
	remote := closedURL(t)
	_, err := Repo{Remote: remote, Cache: t.TempDir()}.Fetch(testContext(t), slf4jAPI)
	if err == nil || !strings.Contains(err.Error(), remote+"/org/slf4j/slf4j-api/1.7.36/slf4j-api-1.7.36.jar") ||
		!strings.Contains(err.Error(), EnvRepository) {
		t.Fatalf("err = %v, want one naming the URL and %s", err, EnvRepository)
	}
	_, err = Repo{Remote: Central, Cache: t.TempDir()}.Fetch(testContext(t), Artifact{Group: "org.slf4j", Name: "slf4j-api", Version: "0.0.0-none"})
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "slf4j-api-0.0.0-none.jar") {
		t.Fatalf("err = %v, want a 404 naming the file", err)
	}
}

// TestFetchFromDirectories: a directory (or file:// URL) laid out as a Maven repository
// serves as the remote, with its .sha1 files; a local repository serves pinned files with no
// remote at all.
func TestFetchFromDirectories(t *testing.T) {
	central := t.TempDir()
	unpinned := slf4jAPI
	unpinned.SHA256 = ""
	// a local Maven repository as Maven leaves it: the jar and its .sha1
	if _, err := (Repo{Remote: Central, Cache: central}).Fetch(testContext(t), unpinned); err != nil {
		t.Fatal(err)
	}
	var sha1 strings.Builder
	if err := (Repo{}).copyFrom(testContext(t), Central, Central+"/"+slf4jAPI.Path()+".sha1", &sha1); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(central, filepath.FromSlash(slf4jAPI.Path()))+".sha1", []byte(sha1.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		repo Repo
		a    Artifact
	}{
		{"directory", Repo{Remote: central}, unpinned},
		{"file URL", Repo{Remote: "file://" + central}, slf4jAPI},
		{"environment", Repo{}, unpinned},
		{"local", Repo{Remote: closedURL(t), Local: []string{t.TempDir(), central}}, slf4jAPI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvRepository, central)
			tt.repo.Cache = t.TempDir()
			path, err := tt.repo.Fetch(testContext(t), tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkSHA256(path, slf4jAPI.SHA256); err != nil {
				t.Fatal(err)
			}
		})
	}
	// an unpinned file is never taken from a local repository: only a checksum vouches for it
	_, err := Repo{Remote: closedURL(t), Local: []string{central}, Cache: t.TempDir()}.Fetch(testContext(t), unpinned)
	if err == nil {
		t.Fatal("an unpinned artifact came from a local repository")
	}
}
