package connectors

import (
	"fmt"
	"strconv"
	"strings"
)

// VersionRange is a plugin version spec as Kafka Connect 4.1+ reads connector.plugin.version
// and the converters' plugin version keys (KIP-891): a bare version v means exactly v
// ([v,v]); otherwise one Maven interval such as [1.0,2.0) or [1.0,).
type VersionRange struct {
	Text              string // as Kafka's messages render it
	low, high         string // "" when open
	lowIncl, highIncl bool
}

// ParseVersionRange parses spec; its error says why spec is neither a version nor a range.
func ParseVersionRange(spec string) (VersionRange, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return VersionRange{}, fmt.Errorf("empty version")
	}
	if !strings.ContainsAny(spec[:1], "[(") {
		if strings.ContainsAny(spec, "[](),") {
			return VersionRange{}, fmt.Errorf("invalid version %s", spec)
		}
		return VersionRange{Text: "[" + spec + "," + spec + "]", low: spec, high: spec, lowIncl: true, highIncl: true}, nil
	}
	last := spec[len(spec)-1]
	if last != ']' && last != ')' {
		return VersionRange{}, fmt.Errorf("invalid version range %s", spec)
	}
	inner := spec[1 : len(spec)-1]
	lo, hi, found := strings.Cut(inner, ",")
	if !found {
		if spec[0] != '[' || last != ']' {
			return VersionRange{}, fmt.Errorf("invalid version range %s", spec)
		}
		hi = lo
	}
	return VersionRange{Text: spec, low: strings.TrimSpace(lo), high: strings.TrimSpace(hi), lowIncl: spec[0] == '[', highIncl: last == ']'}, nil
}

// Contains reports whether version v lies in r.
func (r VersionRange) Contains(v string) bool {
	if r.low != "" {
		c := CompareVersions(v, r.low)
		if c < 0 || c == 0 && !r.lowIncl {
			return false
		}
	}
	if r.high != "" {
		c := CompareVersions(v, r.high)
		if c > 0 || c == 0 && !r.highIncl {
			return false
		}
	}
	return true
}

// CompareVersions orders dotted versions part by part, numerically where both parts are
// numbers, else as text.
func CompareVersions(a, b string) int {
	pa, pb := strings.FieldsFunc(a, isVersionSep), strings.FieldsFunc(b, isVersionSep)
	for i := range max(len(pa), len(pb)) {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		switch {
		case ex == nil && ey == nil && nx != ny:
			if nx < ny {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && x != y:
			return strings.Compare(x, y)
		}
	}
	return 0
}

func isVersionSep(r rune) bool { return r == '.' || r == '-' }
