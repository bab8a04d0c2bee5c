package rest

import (
	"net/http"
	"regexp"
	"strings"
)

// cors answers cross-origin requests as Kafka Connect does: it installs Jetty's
// CrossOriginFilter with access.control.allow.origin and, when set,
// access.control.allow.methods (spec §8.1, §13.1 ConnectRestServerTest), and the filter's other
// settings at their defaults. So: a request from an allowed origin gets that origin echoed in
// Access-Control-Allow-Origin, with credentials allowed; a preflight (OPTIONS with
// Access-Control-Request-Method) for an allowed method also gets the allowed methods and
// headers and a max age, and is answered 200 here; anything else passes through untouched.
type cors struct {
	any      bool             // "*" among the origins
	origins  []string         // exact origins
	patterns []*regexp.Regexp // origins with '*'
	methods  []string
}

// Jetty CrossOriginFilter's defaults.
const (
	corsDefaultMethods = "GET,POST,HEAD"
	corsAllowedHeaders = "X-Requested-With,Content-Type,Accept,Origin"
	corsMaxAge         = "1800"
)

// newCORS parses the two worker properties; nil when origins is blank (CORS off).
func newCORS(origins, methods string) *cors {
	if strings.TrimSpace(origins) == "" {
		return nil
	}
	c := &cors{}
	for _, o := range strings.Split(origins, ",") {
		switch o = strings.TrimSpace(o); {
		case o == "":
		case o == "*":
			c.any = true
		case strings.Contains(o, "*"):
			re := "^" + strings.ReplaceAll(regexp.QuoteMeta(o), `\*`, ".*") + "$"
			c.patterns = append(c.patterns, regexp.MustCompile(re)) // quoted: always compiles
		default:
			c.origins = append(c.origins, o)
		}
	}
	if strings.TrimSpace(methods) == "" {
		methods = corsDefaultMethods
	}
	for _, m := range strings.Split(methods, ",") {
		if m = strings.TrimSpace(m); m != "" {
			c.methods = append(c.methods, m)
		}
	}
	return c
}

// allowed reports whether origin may make requests; like Jetty, a header holding several
// origins separated by spaces is allowed when one of them is.
func (c *cors) allowed(origin string) bool {
	for _, o := range strings.Fields(origin) {
		if c.any {
			return true
		}
		for _, a := range c.origins {
			if a == o {
				return true
			}
		}
		for _, p := range c.patterns {
			if p.MatchString(o) {
				return true
			}
		}
	}
	return false
}

func (c *cors) allowsMethod(m string) bool {
	for _, a := range c.methods {
		if a == m {
			return true
		}
	}
	return false
}

// wrap adds the CORS layer in front of next.
func (c *cors) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !c.allowed(origin) {
			next.ServeHTTP(w, r)
			return
		}
		method := r.Header.Get("Access-Control-Request-Method")
		preflight := r.Method == http.MethodOptions && method != ""
		if preflight && !c.allowsMethod(method) {
			next.ServeHTTP(w, r) // Jetty adds nothing to a preflight for another method
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if !c.any {
			h.Add("Vary", "Origin")
		}
		if !preflight {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Max-Age", corsMaxAge)
		h.Set("Access-Control-Allow-Methods", strings.Join(c.methods, ","))
		if headersAllowed(r.Header.Get("Access-Control-Request-Headers")) {
			h.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
		}
		w.WriteHeader(http.StatusOK)
	})
}

// headersAllowed reports whether every header a preflight asks for is among the allowed ones.
func headersAllowed(requested string) bool {
	for _, r := range strings.Split(requested, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		ok := false
		for _, a := range strings.Split(corsAllowedHeaders, ",") {
			ok = ok || strings.EqualFold(a, r)
		}
		if !ok {
			return false
		}
	}
	return true
}
