package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/connectd/connectd/actors/clusterauth"
	"github.com/connectd/connectd/actors/tlsconfig"
	"github.com/connectd/connectd/http/basicauth"
)

// Prefixes of the listeners' TLS settings (Kafka Connect's RestServerConfig): each is read
// all-or-nothing, with the worker's ssl.* as fallback.
const (
	listenersHTTPSPrefix      = "listeners.https."
	adminListenersHTTPSPrefix = "admin.listeners.https."
)

// jaasProperty names the JAAS file; connectd reads it as a worker property, or as the Java
// system property Kafka users pass in KAFKA_OPTS.
const jaasProperty = "java.security.auth.login.config"

// listenerTLS loads the TLS config of the https listeners (admin ones with admin set), the way
// Kafka Connect's SSLUtils.createServerSideSslContextFactory reads it. The stores are re-read
// when their files change.
func listenerTLS(props map[string]string, admin bool, log *slog.Logger) (*tls.Config, error) {
	prefix := tlsconfig.SelectPrefix(props, listenersHTTPSPrefix)
	if admin {
		prefix = tlsconfig.SelectPrefix(props, adminListenersHTTPSPrefix)
	}
	src, err := tlsconfig.Load(props, prefix, tlsconfig.WithLogger(log.With("component", "tls", "prefix", prefix)))
	if err != nil {
		return nil, err
	}
	return src.ServerConfig()
}

// restAuthentication reads rest.extension.classes: naming Kafka Connect's
// BasicAuthSecurityRestExtension turns Basic auth on, with the users of the JAAS file's
// KafkaConnect entry. Any other extension is refused: connectd cannot run it, and running
// without it could leave the API open.
func restAuthentication(props map[string]string, classes []string, kafkaOpts string) (func(http.Handler) http.Handler, error) {
	basic := false
	for _, c := range classes {
		if c != basicauth.ExtensionClass {
			return nil, fmt.Errorf("rest.extension.classes: connectd has no REST extension %s (it has %s)", c, basicauth.ExtensionClass)
		}
		basic = true
	}
	if !basic {
		return nil, nil
	}
	jaasFile := strings.TrimSpace(props[jaasProperty])
	source := jaasProperty
	if jaasFile == "" {
		jaasFile, source = systemProperty(kafkaOpts, jaasProperty), "KAFKA_OPTS -D"+jaasProperty
	}
	if jaasFile == "" {
		return nil, fmt.Errorf("rest.extension.classes names %s but no JAAS file is given: set %s (worker property) or -D%s=… in KAFKA_OPTS",
			basicauth.ExtensionClass, jaasProperty, jaasProperty)
	}
	jaas, err := os.ReadFile(jaasFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	usersFile, err := basicauth.UsersFile(string(jaas))
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", source, jaasFile, err)
	}
	f, err := os.Open(usersFile)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: users file: %w", source, jaasFile, err)
	}
	defer f.Close()
	users, err := parseProperties(f)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", usersFile, err)
	}
	a, err := basicauth.New(users)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", usersFile, err)
	}
	return a.Wrap, nil
}

// systemProperty finds -Dname=value in a JVM command line such as KAFKA_OPTS. Java's "=="
// form (this file only, not the JDK's) names a file the same way here.
func systemProperty(opts, name string) string {
	value := ""
	for _, arg := range splitArgs(opts) {
		if v, ok := strings.CutPrefix(arg, "-D"+name+"="); ok {
			value = strings.TrimPrefix(v, "=") // the last one wins, as in the JVM
		}
	}
	return value
}

// splitArgs splits a command line on blanks, honouring single and double quotes as a shell
// would for a value like -Dx="/a b/c".
func splitArgs(s string) []string {
	var (
		out   []string
		cur   strings.Builder
		quote rune
		any   bool
	)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, any = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if cur.Len() > 0 || any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 || any {
		out = append(out, cur.String())
	}
	return out
}

// clusterTLS loads cluster.ssl.*: when any is set, the actor cluster speaks mutual TLS. Its
// ssl.client.auth may only be required (the default there): a member that need not show a
// certificate would not be authenticated by it.
func clusterTLS(props map[string]string, log *slog.Logger) (*tlsconfig.Source, error) {
	if !tlsconfig.Configured(props, clusterauth.ClusterTLSPrefix) {
		return nil, nil
	}
	key := clusterauth.ClusterTLSPrefix + "ssl.client.auth"
	if v, ok := props[key]; ok && strings.TrimSpace(v) != tlsconfig.ClientAuthRequired {
		return nil, fmt.Errorf("%s=%s: the cluster listener always requires client certificates; set required or leave it unset", key, v)
	}
	src, err := tlsconfig.Load(props, clusterauth.ClusterTLSPrefix, tlsconfig.WithLogger(log.With("component", "tls", "prefix", clusterauth.ClusterTLSPrefix)))
	if err != nil {
		return nil, err
	}
	if !src.HasKeystore() {
		return nil, fmt.Errorf("%sssl.keystore.location: mutual TLS on the cluster listener needs this worker's certificate", clusterauth.ClusterTLSPrefix)
	}
	return src, nil
}
