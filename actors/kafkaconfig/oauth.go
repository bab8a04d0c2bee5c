package kafkaconfig

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenProvider fetches OAUTHBEARER tokens with the OAuth 2 client-credentials grant, as
// Kafka's OAuthBearerLoginCallbackHandler does, and reuses a token until shortly before it
// expires.
type tokenProvider struct {
	src        oauth2.TokenSource
	extensions map[string]string
}

func (p *tokenProvider) Token() (*sarama.AccessToken, error) {
	t, err := p.src.Token()
	if err != nil {
		// The error names the endpoint, never the client secret.
		return nil, fmt.Errorf("OAUTHBEARER token: %w", err)
	}
	return &sarama.AccessToken{Token: t.AccessToken, Extensions: p.extensions}, nil
}

// newTokenProvider reads sasl.oauthbearer.token.endpoint.url and the JAAS options clientId,
// clientSecret, scope and extension_<name>.
func newTokenProvider(props, opts map[string]string) (*tokenProvider, error) {
	const urlKey = "sasl.oauthbearer.token.endpoint.url"
	endpoint := strings.TrimSpace(props[urlKey])
	if endpoint == "" {
		return nil, settingErr(urlKey, "%s is required for sasl.mechanism OAUTHBEARER (connectd supports the client-credentials grant only)", urlKey)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalidValue(urlKey, endpoint, "must be an http or https URL")
	}
	if opts["clientId"] == "" || opts["clientSecret"] == "" {
		return nil, settingErr("sasl.jaas.config", "OAuthBearerLoginModule needs clientId and clientSecret options for the client-credentials grant")
	}
	timeout := 10 * time.Second
	for _, k := range []string{"sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms"} {
		if v, ok := props[k]; ok {
			d, err := parseMs(k, v)
			if err != nil {
				return nil, err
			}
			timeout = max(timeout, d)
		}
	}
	cc := clientcredentials.Config{
		ClientID:     opts["clientId"],
		ClientSecret: opts["clientSecret"],
		TokenURL:     endpoint,
		AuthStyle:    oauth2.AuthStyleInHeader, // Kafka sends the credentials as HTTP Basic
	}
	if s := strings.TrimSpace(opts["scope"]); s != "" {
		cc.Scopes = strings.Fields(strings.ReplaceAll(s, ",", " "))
	}
	ext := map[string]string{}
	for k, v := range opts {
		if name, ok := strings.CutPrefix(k, "extension_"); ok {
			ext[name] = v
		}
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: timeout})
	return &tokenProvider{src: oauth2.ReuseTokenSource(nil, cc.TokenSource(ctx)), extensions: ext}, nil
}
