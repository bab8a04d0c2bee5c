// Package mavenrepo fetches artifacts from Maven Central (or a mirror of it, or a local Maven
// repository) into a cache laid out as a Maven repository, checking every file's checksum: the
// SHA-256 pinned in connectd's source when there is one, else the SHA-1 the repository publishes
// beside the file. It is how a worker gets the Java plugin host's jars, and how `go generate`
// gets protoc, without Maven.
package mavenrepo

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Central is Maven Central's address.
const Central = "https://repo.maven.apache.org/maven2"

// EnvRepository names the environment variable that points connectd at another repository than
// Maven Central: a mirror's URL, or a directory (or file:// URL) laid out as a Maven repository,
// such as ~/.m2/repository on a machine without network.
const EnvRepository = "CONNECTD_MAVEN_REPOSITORY"

// ErrChecksum is wrapped when a file's content does not match its checksum.
var ErrChecksum = errors.New("checksum mismatch")

// Artifact is one file of a Maven repository.
type Artifact struct {
	Group, Name, Version string
	// Classifier is "" for the main artifact ("exe:linux-x86_64" has classifier linux-x86_64).
	Classifier string
	// Ext is the file's extension; "" means jar.
	Ext string
	// SHA256 is the file's pinned SHA-256 in hex; "" means check the repository's .sha1 instead.
	SHA256 string
}

// Path is the artifact's path in a Maven repository.
func (a Artifact) Path() string {
	ext := a.Ext
	if ext == "" {
		ext = "jar"
	}
	file := a.Name + "-" + a.Version
	if a.Classifier != "" {
		file += "-" + a.Classifier
	}
	return strings.ReplaceAll(a.Group, ".", "/") + "/" + a.Name + "/" + a.Version + "/" + file + "." + ext
}

// FileName is the last element of Path.
func (a Artifact) FileName() string { return filepath.Base(a.Path()) }

// String is the artifact's coordinates, group:name:version[:classifier].
func (a Artifact) String() string {
	s := a.Group + ":" + a.Name + ":" + a.Version
	if a.Classifier != "" {
		s += ":" + a.Classifier
	}
	return s
}

// Repo fetches artifacts into Cache. The zero value of every other field is usable.
type Repo struct {
	// Remote is the repository to fetch from: an http(s) URL, a file:// URL or a directory;
	// "" means $CONNECTD_MAVEN_REPOSITORY, else Maven Central. HTTP goes through the proxy that
	// HTTPS_PROXY/HTTP_PROXY/NO_PROXY name.
	Remote string
	// Local are Maven repositories on disk (such as ~/.m2/repository) whose files are used
	// instead of a download when they match a pinned SHA-256.
	Local []string
	// Cache is the directory the fetched files are kept in, in a Maven repository's layout.
	Cache string
	// Client makes the HTTP requests; nil means http.DefaultClient.
	Client *http.Client
}

// remote is the repository fetched from, as a URL without a trailing slash or a directory.
func (r Repo) remote() string {
	s := r.Remote
	if s == "" {
		s = os.Getenv(EnvRepository)
	}
	if s == "" {
		s = Central
	}
	if strings.HasPrefix(s, "file://") {
		if u, err := url.Parse(s); err == nil {
			return u.Path
		}
	}
	return strings.TrimRight(s, "/")
}

// Fetch returns the path of a in the cache, fetching it first if it is not there. A cached file
// with a pinned SHA-256 is checked again on every call; a file is cached only once checked, and
// appears atomically, so that workers sharing a cache never see half a file.
func (r Repo) Fetch(ctx context.Context, a Artifact) (string, error) {
	dst := filepath.Join(r.Cache, filepath.FromSlash(a.Path()))
	if _, err := os.Stat(dst); err == nil {
		if a.SHA256 == "" {
			return dst, nil
		}
		if err := checkSHA256(dst, a.SHA256); err == nil {
			return dst, nil
		}
		// a corrupted cache entry: fetch it again
	}
	if a.SHA256 != "" {
		for _, dir := range r.Local {
			src := filepath.Join(dir, filepath.FromSlash(a.Path()))
			if checkSHA256(src, a.SHA256) == nil {
				return dst, copyFile(src, dst)
			}
		}
	}
	remote := r.remote()
	src := remote + "/" + a.Path()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("maven cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return "", fmt.Errorf("maven cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	var sum hash.Hash = sha256.New()
	want := a.SHA256
	if want == "" {
		sum = sha1.New()
		if want, err = r.sha1(ctx, remote, src); err != nil {
			tmp.Close()
			return "", err
		}
	}
	err = r.copyFrom(ctx, remote, src, io.MultiWriter(tmp, sum))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); !strings.EqualFold(got, want) {
		return "", fmt.Errorf("fetch %s: %w: got %s, want %s", src, ErrChecksum, got, want)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", fmt.Errorf("maven cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("maven cache: %w", err)
	}
	return dst, nil
}

// sha1 reads the repository's .sha1 file for src: a hex digest, optionally followed by a name.
func (r Repo) sha1(ctx context.Context, remote, src string) (string, error) {
	var b strings.Builder
	if err := r.copyFrom(ctx, remote, src+".sha1", &b); err != nil {
		return "", err
	}
	fields := strings.Fields(b.String())
	if len(fields) == 0 || len(fields[0]) != 40 {
		return "", fmt.Errorf("fetch %s.sha1: %w: not a SHA-1 (%q)", src, ErrChecksum, b.String())
	}
	return fields[0], nil
}

// copyFrom writes the content of src, a URL or a path under a directory repository, to w.
func (r Repo) copyFrom(ctx context.Context, remote, src string, w io.Writer) error {
	if !strings.HasPrefix(remote, "http://") && !strings.HasPrefix(remote, "https://") {
		f, err := os.Open(src)
		if err != nil {
			return fmt.Errorf("read %s (from the Maven repository %s): %w", src, remote, err)
		}
		defer f.Close()
		if _, err := io.Copy(w, f); err != nil {
			return fmt.Errorf("read %s: %w", src, err)
		}
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", src, err)
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: %w (behind a proxy, set HTTPS_PROXY; offline, set %s to a mirror or a local Maven repository)", src, err, EnvRepository)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s", src, resp.Status)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("fetch %s: %w", src, err)
	}
	return nil
}

func checkSHA256(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, want) {
		return fmt.Errorf("%s: %w: got %s, want %s", path, ErrChecksum, got, want)
	}
	return nil
}

// copyFile copies src to dst through a temporary file, so that dst appears whole.
func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("maven cache: %w", err)
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return fmt.Errorf("maven cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, in)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("maven cache: %w", err)
	}
	return nil
}
