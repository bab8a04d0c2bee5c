package kafkaconfig

import (
	"errors"
	"slices"
	"strings"

	"github.com/IBM/sarama"
)

// Security protocols (security.protocol), as Kafka spells them.
const (
	protoPlaintext     = "PLAINTEXT"
	protoSSL           = "SSL"
	protoSASLPlaintext = "SASL_PLAINTEXT"
	protoSASLSSL       = "SASL_SSL"
)

// OAuth login callback handlers that fetch tokens with the client-credentials grant: Kafka
// 3.4+'s name and the older "secured" package name.
var oauthLoginHandlers = []string{
	"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
	"org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
}

// applySecurity applies security.protocol, sasl.* and ssl.* to c. A secured protocol whose
// settings fail never leaves c in a state that connects in plaintext: the error stops the client.
func applySecurity(c *sarama.Config, props map[string]string) error {
	protocol := strings.ToUpper(strings.TrimSpace(props["security.protocol"]))
	if protocol == "" {
		protocol = protoPlaintext
	}
	var tlsOn, saslOn bool
	switch protocol {
	case protoPlaintext:
	case protoSSL:
		tlsOn = true
	case protoSASLPlaintext:
		saslOn = true
	case protoSASLSSL:
		tlsOn, saslOn = true, true
	default:
		return invalidValue("security.protocol", props["security.protocol"], "String must be one of: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
	}
	var errs []error
	if tlsOn {
		if err := applyTLS(c, props); err != nil {
			errs = append(errs, err)
		}
	}
	if saslOn {
		if err := applySASL(c, props); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// applySASL sets c.Net.SASL from sasl.mechanism and sasl.jaas.config.
func applySASL(c *sarama.Config, props map[string]string) error {
	mech := strings.TrimSpace(props["sasl.mechanism"])
	if mech == "" {
		mech = "GSSAPI" // Kafka's default
	}
	for _, k := range []string{"sasl.client.callback.handler.class", "sasl.login.class"} {
		if strings.TrimSpace(props[k]) != "" {
			return settingErr(k, "%s is not supported: Java callback and login classes cannot run in connectd", k)
		}
	}
	switch mech {
	case "GSSAPI":
		return settingErr("sasl.mechanism", "sasl.mechanism GSSAPI (Kerberos) is not supported by connectd; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER")
	case sarama.SASLTypePlaintext, sarama.SASLTypeSCRAMSHA256, sarama.SASLTypeSCRAMSHA512, sarama.SASLTypeOAuth:
	default:
		return invalidValue("sasl.mechanism", mech, "connectd supports PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER")
	}
	raw := strings.TrimSpace(props["sasl.jaas.config"])
	if raw == "" {
		return settingErr("sasl.jaas.config", "sasl.jaas.config is required for sasl.mechanism %s (connectd reads no JAAS file)", mech)
	}
	jaas, err := parseJAAS(raw)
	if err != nil {
		return &SettingError{Key: "sasl.jaas.config", Msg: err.Error(), Err: err}
	}
	c.Net.SASL.Enable = true
	c.Net.SASL.Handshake = true
	c.Net.SASL.Version = sarama.SASLHandshakeV1
	c.Net.SASL.Mechanism = sarama.SASLMechanism(mech)
	if h := strings.TrimSpace(props["sasl.login.callback.handler.class"]); h != "" && mech != sarama.SASLTypeOAuth {
		return settingErr("sasl.login.callback.handler.class", "sasl.login.callback.handler.class is not supported with sasl.mechanism %s", mech)
	}
	switch mech {
	case sarama.SASLTypePlaintext, sarama.SASLTypeSCRAMSHA256, sarama.SASLTypeSCRAMSHA512:
		if jaas.Module != plainModule && jaas.Module != scramModule {
			return settingErr("sasl.jaas.config", "sasl.mechanism %s needs %s or %s in sasl.jaas.config, not %s", mech, plainModule, scramModule, jaas.Module)
		}
		user, pass := jaas.Options["username"], jaas.Options["password"]
		if user == "" {
			return settingErr("sasl.jaas.config", "sasl.jaas.config names no username")
		}
		c.Net.SASL.User, c.Net.SASL.Password = user, pass
		if mech != sarama.SASLTypePlaintext {
			c.Net.SASL.SCRAMClientGeneratorFunc = scramClientFor(mech)
		}
		return nil
	}
	// OAUTHBEARER: the client-credentials grant against the token endpoint.
	if jaas.Module != oauthModule {
		return settingErr("sasl.jaas.config", "sasl.mechanism OAUTHBEARER needs %s in sasl.jaas.config, not %s", oauthModule, jaas.Module)
	}
	if h := strings.TrimSpace(props["sasl.login.callback.handler.class"]); h != "" && !slices.Contains(oauthLoginHandlers, h) {
		return settingErr("sasl.login.callback.handler.class", "sasl.login.callback.handler.class %s is not supported: connectd fetches OAuth tokens itself (%s)", h, oauthLoginHandlers[0])
	}
	tp, err := newTokenProvider(props, jaas.Options)
	if err != nil {
		return err
	}
	c.Net.SASL.TokenProvider = tp
	return nil
}
