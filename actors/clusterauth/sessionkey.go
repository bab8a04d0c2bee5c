package clusterauth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/connectd/connectd/actors/store"
)

// Settings are the inter.worker.* keys of KIP-507.
type Settings struct {
	// TTL is inter.worker.key.ttl.ms: a key older than this is replaced (default 1 h).
	TTL time.Duration
	// KeyAlgorithm is inter.worker.key.generation.algorithm (default HmacSHA256).
	KeyAlgorithm string
	// KeyBits is inter.worker.key.size; 0 means the algorithm's own size.
	KeyBits int
	// SignatureAlgorithm is inter.worker.signature.algorithm (default HmacSHA256).
	SignatureAlgorithm string
	// VerificationAlgorithms is inter.worker.verification.algorithms (default HmacSHA256).
	VerificationAlgorithms []string
}

// ErrInvalid marks inter.worker.* settings connectd cannot honour.
var ErrInvalid = errors.New("invalid inter-worker key settings")

var macs = map[string]struct {
	hash func() hash.Hash
	bits int
}{
	"HmacSHA256": {sha256.New, 256},
	"HmacSHA384": {sha512.New384, 384},
	"HmacSHA512": {sha512.New, 512},
}

// ParseSettings reads the inter.worker.* keys from worker properties with Kafka Connect's
// defaults, refusing an algorithm Go's HMAC here does not offer.
func ParseSettings(props map[string]string) (Settings, error) {
	s := Settings{TTL: time.Hour, KeyAlgorithm: "HmacSHA256", SignatureAlgorithm: "HmacSHA256", VerificationAlgorithms: []string{"HmacSHA256"}}
	if v := strings.TrimSpace(props["inter.worker.key.ttl.ms"]); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 1 {
			return Settings{}, fmt.Errorf("%w: inter.worker.key.ttl.ms=%s: expected a positive number of milliseconds", ErrInvalid, v)
		}
		s.TTL = time.Duration(ms) * time.Millisecond
	}
	if v := strings.TrimSpace(props["inter.worker.key.generation.algorithm"]); v != "" {
		s.KeyAlgorithm = v
	}
	if v := strings.TrimSpace(props["inter.worker.signature.algorithm"]); v != "" {
		s.SignatureAlgorithm = v
	}
	if v, ok := props["inter.worker.verification.algorithms"]; ok {
		s.VerificationAlgorithms = nil
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				s.VerificationAlgorithms = append(s.VerificationAlgorithms, a)
			}
		}
	}
	if v := strings.TrimSpace(props["inter.worker.key.size"]); v != "" {
		bits, err := strconv.Atoi(v)
		if err != nil || bits < 128 || bits%8 != 0 {
			return Settings{}, fmt.Errorf("%w: inter.worker.key.size=%s: expected at least 128 bits, a multiple of 8", ErrInvalid, v)
		}
		s.KeyBits = bits
	}
	for key, alg := range map[string]string{"inter.worker.key.generation.algorithm": s.KeyAlgorithm, "inter.worker.signature.algorithm": s.SignatureAlgorithm} {
		if _, ok := macs[alg]; !ok {
			return Settings{}, fmt.Errorf("%w: %s=%s: connectd supports HmacSHA256, HmacSHA384 and HmacSHA512", ErrInvalid, key, alg)
		}
	}
	for _, alg := range s.VerificationAlgorithms {
		if _, ok := macs[alg]; !ok {
			return Settings{}, fmt.Errorf("%w: inter.worker.verification.algorithms: %s: connectd supports HmacSHA256, HmacSHA384 and HmacSHA512", ErrInvalid, alg)
		}
	}
	// Kafka Connect's check: a worker must accept what it signs with.
	if !slices.Contains(s.VerificationAlgorithms, s.SignatureAlgorithm) {
		return Settings{}, fmt.Errorf("%w: inter.worker.verification.algorithms must contain inter.worker.signature.algorithm (%s)", ErrInvalid, s.SignatureAlgorithm)
	}
	return s, nil
}

// keyBytes is the size of a new key.
func (s Settings) keyBytes() int {
	if s.KeyBits > 0 {
		return s.KeyBits / 8
	}
	return macs[s.KeyAlgorithm].bits / 8
}

// ring holds the session keys a member accepts: the newest signs, the recent ones verify.
type ring struct {
	mu   sync.RWMutex
	keys []store.SessionKey // newest last; at most ringSize
	ttl  time.Duration
	now  func() time.Time
}

const ringSize = 4

// add records k if it is new.
func (r *ring) add(k store.SessionKey) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.keys {
		if hmac.Equal(have.Key, k.Key) {
			return false
		}
	}
	r.keys = append(r.keys, k)
	if len(r.keys) > ringSize {
		r.keys = r.keys[len(r.keys)-ringSize:]
	}
	return true
}

// current is the key to sign with.
func (r *ring) current() (store.SessionKey, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.keys) == 0 {
		return store.SessionKey{}, false
	}
	return r.keys[len(r.keys)-1], true
}

// accepted are the keys a signature may be made with: the newest always, older ones while
// they are younger than two TTLs.
func (r *ring) accepted() []store.SessionKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []store.SessionKey
	for i, k := range r.keys {
		if i == len(r.keys)-1 || r.now().Sub(k.Created) < 2*r.ttl {
			out = append(out, k)
		}
	}
	return out
}

// KeyStore is the config topic as the session key needs it (store.ConfigStore).
type KeyStore interface {
	Snapshot() *store.ConfigSnapshot
	Subscribe() (<-chan struct{}, func())
	ReadToEnd(ctx context.Context) error
	PutSessionKey(ctx context.Context, k store.SessionKey) error
}

// SessionKeys keeps a member's session keys: read from the config topic, and written there
// when none is young enough, as Kafka Connect's leader does (connectd has no leader: any
// member may write after a random delay and a fresh read, and the topic's order picks one).
type SessionKeys struct {
	settings Settings
	store    KeyStore
	log      *slog.Logger
	ring     *ring
}

// NewSessionKeys allocates the keys of one member; Start loads or makes the first.
func NewSessionKeys(settings Settings, ks KeyStore, log *slog.Logger) *SessionKeys {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SessionKeys{settings: settings, store: ks, log: log, ring: &ring{ttl: settings.TTL, now: time.Now}}
}

// Start returns once a key young enough is known, writing one if the topic has none.
func (k *SessionKeys) Start(ctx context.Context) error {
	if err := k.store.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("session key: read the config topic: %w", err)
	}
	k.load()
	if cur, ok := k.ring.current(); ok && time.Since(cur.Created) < k.settings.TTL {
		return nil
	}
	return k.rotate(ctx)
}

// Run follows the config topic and rotates the key when it is older than the TTL, until ctx
// ends.
func (k *SessionKeys) Run(ctx context.Context) {
	changed, cancel := k.store.Subscribe()
	defer cancel()
	for {
		wait := k.settings.TTL
		if cur, ok := k.ring.current(); ok {
			wait = time.Until(cur.Created.Add(k.settings.TTL))
		}
		// Members race to rotate; a random delay lets the first writer's key reach the
		// others before they decide, so most rotations write one record.
		wait += jitter(min(k.settings.TTL/10, 5*time.Second))
		timer := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-changed:
			timer.Stop()
			k.load()
		case <-timer.C:
			if err := k.store.ReadToEnd(ctx); err != nil {
				k.log.Warn("session key: read the config topic", "err", err)
				continue
			}
			k.load()
			if cur, ok := k.ring.current(); ok && time.Since(cur.Created) < k.settings.TTL {
				continue
			}
			if err := k.rotate(ctx); err != nil && ctx.Err() == nil {
				k.log.Warn("session key: rotate", "err", err)
			}
		}
	}
}

func (k *SessionKeys) load() {
	if sk, ok := k.store.Snapshot().SessionKey(); ok {
		if k.ring.add(sk) {
			k.log.Debug("session key: new key", "created", sk.Created)
		}
	}
}

// rotate writes a new key and waits until it is read back.
func (k *SessionKeys) rotate(ctx context.Context) error {
	secret := make([]byte, k.settings.keyBytes())
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("session key: generate: %w", err)
	}
	sk := store.SessionKey{Key: secret, Algorithm: k.settings.KeyAlgorithm, Created: time.Now()}
	if err := k.store.PutSessionKey(ctx, sk); err != nil {
		return err
	}
	k.load()
	k.log.Info("session key rotated")
	return nil
}

func jitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(limit)))
	if err != nil {
		return 0
	}
	return time.Duration(n.Int64())
}

// token header and format: "<algorithm>.<unix ms>.<nonce>.<mac>", the MAC over the cluster
// name, the time and the nonce, so a token is bound to one cluster and goes stale.
const (
	tokenHeader = "connectd-cluster-auth"
	maxSkew     = 5 * time.Minute
)

func sign(alg string, key []byte, cluster string, at time.Time, nonce string) string {
	m := hmac.New(macs[alg].hash, key)
	fmt.Fprintf(m, "connectd-cluster\x00%s\x00%d\x00%s", cluster, at.UnixMilli(), nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// token makes a fresh token under the current key.
func (k *SessionKeys) token(cluster string) (string, error) {
	cur, ok := k.ring.current()
	if !ok {
		return "", errors.New("no session key yet")
	}
	nb := make([]byte, 12)
	if _, err := rand.Read(nb); err != nil {
		return "", err
	}
	nonce := base64.RawURLEncoding.EncodeToString(nb)
	now := time.Now()
	alg := k.settings.SignatureAlgorithm
	return fmt.Sprintf("%s.%d.%s.%s", alg, now.UnixMilli(), nonce, sign(alg, cur.Key, cluster, now, nonce)), nil
}

// verify checks a token against every accepted key.
func (k *SessionKeys) verify(cluster, tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || !slices.Contains(k.settings.VerificationAlgorithms, parts[0]) {
		return false
	}
	ms, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return false
	}
	at := time.UnixMilli(ms)
	if d := time.Since(at); d > maxSkew || d < -maxSkew {
		return false
	}
	ok := false
	for _, key := range k.ring.accepted() {
		want := sign(parts[0], key.Key, cluster, at, parts[2])
		ok = hmac.Equal([]byte(want), []byte(parts[3])) || ok
	}
	return ok
}
