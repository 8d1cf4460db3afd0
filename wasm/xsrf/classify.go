package xsrf

import (
	"encoding/json"
	"strings"
)

// Kind is what a refused request means for SaveKeeper.
type Kind int

// The kinds of refusal, from a 403 body.
const (
	// NotXSRF is anything a new token cannot fix: a filesystem or
	// authorisation error, a proxy's page, an empty or unreadable body,
	// or a status other than 403. Never retry it.
	NotXSRF Kind = iota
	// Missing is tornado's "'_xsrf' argument missing from POST": the
	// request carried no token, usually because the cookie is gone.
	Missing
	// Mismatch is tornado's "XSRF cookie does not match POST argument":
	// the header differs from the cookie the server read, usually because
	// another `_xsrf` cookie shadows the right one.
	Mismatch
	// InvalidFormat is tornado's "'_xsrf' argument has invalid format":
	// the header (or the cookie it came from) cannot be decoded.
	InvalidFormat
	// HubMissing and HubMismatch are JupyterHub 4.1's messages, which name
	// the real method ("… missing from PUT"). Its tokens are renewed only
	// by a navigation.
	HubMissing
	HubMismatch
	// LoginRequired is a bare "Forbidden": the login cookie or token has
	// expired. A renewal cannot help; the user must log in again.
	LoginRequired
)

// Failure is a classified refusal.
type Failure struct {
	Kind Kind
	// Message is the server's message, when the body had one.
	Message string
}

// maxBody bounds how much of a body Classify reads: Jupyter's JSON error
// bodies are small, and a large body is a proxy's page, not Jupyter's.
const maxBody = 64 << 10

// mediaType returns the type/subtype of a Content-Type value in lower
// case, or "" when there is none. (mime.ParseMediaType would add 150 KB
// to the engine for this.)
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// Classify reads a response to an API request and says what the refusal
// means. Only status 403 with a JSON object body whose "message" is one of
// Jupyter's XSRF or login messages is anything but NotXSRF. The content
// type is checked loosely: old servers send JSON as text/html, so a body
// that parses as JSON is accepted unless the type names another format.
func Classify(status int, contentType string, body []byte) Failure {
	if status != 403 || len(body) == 0 || len(body) > maxBody {
		return Failure{Kind: NotXSRF}
	}
	if mt := mediaType(contentType); mt != "" && mt != "application/json" && mt != "text/html" && mt != "text/plain" {
		return Failure{Kind: NotXSRF}
	}
	var reply struct {
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(body, &reply); err != nil || reply.Message == nil {
		return Failure{Kind: NotXSRF}
	}
	msg := *reply.Message
	return Failure{Kind: classifyMessage(msg), Message: msg}
}

// classifyMessage maps a Jupyter 403 message to a Kind.
func classifyMessage(msg string) Kind {
	const (
		missing  = "'_xsrf' argument missing from "
		mismatch = "XSRF cookie does not match "
	)
	switch {
	case msg == "Forbidden":
		return LoginRequired
	case msg == "'_xsrf' argument has invalid format":
		return InvalidFormat
	case strings.HasPrefix(msg, missing):
		if method(strings.TrimPrefix(msg, missing)) == "POST" {
			return Missing
		}
		if method(strings.TrimPrefix(msg, missing)) != "" {
			return HubMissing
		}
	case strings.HasPrefix(msg, mismatch) && strings.HasSuffix(msg, " argument"):
		m := method(strings.TrimSuffix(strings.TrimPrefix(msg, mismatch), " argument"))
		if m == "POST" {
			return Mismatch
		}
		if m != "" {
			return HubMismatch
		}
	}
	return NotXSRF
}

// method returns s if it is an HTTP method name tornado or JupyterHub
// would put in a message, and "" otherwise.
func method(s string) string {
	switch s {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return s
	}
	return ""
}
