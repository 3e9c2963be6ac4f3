package hubspoke

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// PathAmbiguity says why a raw request path (before '?') may name another
// route once decoded, or "" when it cannot. daprd checks its access policy on
// the path as received and forwards it undecoded, so the app must serve only
// that path: an encoded '/', '\', '#', '?' or '%', an encoded unreserved
// character (RFC 3986 2.3, a disguise), a control character raw or encoded, a
// malformed escape, a raw backslash or '#', a dot segment or an empty segment
// is refused. The same rules as chassis/raw_path.py.
func PathAmbiguity(raw string) string {
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f {
			return "a control character"
		}
	}
	if strings.Contains(raw, `\`) {
		return "a backslash"
	}
	if strings.Contains(raw, "#") {
		return "a '#'"
	}
	for i := strings.IndexByte(raw, '%'); i != -1; {
		if i+3 > len(raw) {
			return "a malformed percent-encoding"
		}
		value, err := strconv.ParseUint(raw[i+1:i+3], 16, 8)
		if err != nil {
			return "a malformed percent-encoding"
		}
		if reason := escapeAmbiguity(byte(value), "%"+strings.ToUpper(raw[i+1:i+3])); reason != "" {
			return reason
		}
		next := strings.IndexByte(raw[i+3:], '%')
		if next == -1 {
			break
		}
		i += 3 + next
	}
	if raw == "/" {
		return ""
	}
	if !strings.HasPrefix(raw, "/") {
		return "a path that does not start with '/'"
	}
	for _, segment := range strings.Split(raw[1:], "/") {
		switch segment {
		case "":
			return "an empty segment ('//' or a trailing '/')"
		case ".", "..":
			return fmt.Sprintf("a dot segment ('%s')", segment)
		}
	}
	return ""
}

func escapeAmbiguity(value byte, escape string) string {
	switch {
	case strings.IndexByte(`/\#?%`, value) != -1:
		return fmt.Sprintf("an encoded '%c' (%s)", value, escape)
	case value < 0x20 || value == 0x7f:
		return fmt.Sprintf("an encoded control character (%s)", escape)
	case value >= 'a' && value <= 'z', value >= 'A' && value <= 'Z', value >= '0' && value <= '9',
		strings.IndexByte("-._~", value) != -1:
		return fmt.Sprintf("an encoded '%c' (%s), which is the same as the character itself", value, escape)
	}
	return ""
}

// RawPathGuard answers 400 problem JSON, before any routing, for a request whose raw path is ambiguous.
func RawPathGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.RequestURI
		if i := strings.IndexByte(raw, '?'); i != -1 {
			raw = raw[:i]
		}
		if reason := PathAmbiguity(raw); reason != "" {
			Problem(w, http.StatusBadRequest, "the request path holds "+reason+
				"; this app serves a path only as its sidecar authorised it, so send it unencoded")
			return
		}
		next.ServeHTTP(w, r)
	})
}
