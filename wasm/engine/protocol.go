package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// MaxMessage is the largest message the engine decodes, in bytes.
const MaxMessage = 64 << 10

// MaxBody is the most of a refused response's body a page sends, in bytes.
const MaxBody = 16 << 10

// The message types.
const (
	TypeHello   = "hello"
	TypeFailed  = "failed"
	TypeRenewed = "renewed"
	TypeOutcome = "outcome"
	TypeStatus  = "status"
	// TypeTend comes from the background (alarms, cookie changes): extend
	// cookies that are about to expire, drop expired rescues.
	TypeTend = "tend"

	// Rescue copies (see rescue.go).
	TypeRescue   = "rescue"
	TypeDue      = "due"
	TypeCheck    = "check"
	TypeBody     = "body"
	TypeFinished = "finished"
	TypeDiscard  = "discard"
	TypeSaveNow  = "save-now"
	TypeSettings = "settings"
	TypeSweep    = "sweep"
)

// Message is any message to the engine; which fields are used depends on
// Type (see the package documentation).
type Message struct {
	Type string `json:"type"`

	Flavor  string `json:"flavor,omitempty"`
	BaseURL string `json:"baseUrl,omitempty"`
	Hub     bool   `json:"hub,omitempty"`

	URL         string `json:"url,omitempty"`
	Method      string `json:"method,omitempty"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body,omitempty"`
	SentToken   string `json:"sentToken,omitempty"`

	Lease    string `json:"lease,omitempty"`
	FinalURL string `json:"finalUrl,omitempty"`

	OK        bool `json:"ok,omitempty"`
	Recovered bool `json:"recovered,omitempty"`

	TabID int `json:"tabId,omitempty"`

	// Rescue copies.
	ID           string `json:"id,omitempty"`
	Reason       string `json:"reason,omitempty"`
	BasedOn      int64  `json:"basedOn,omitempty"`
	LastModified int64  `json:"lastModified,omitempty"`
	Size         int64  `json:"size,omitempty"`
	KeepDays     int    `json:"keepDays,omitempty"`
	// IDs are the rescue bodies the background holds ("sweep").
	IDs []string `json:"ids,omitempty"`
}

// Sender is who sent a message, as the background reports it: what the
// browser says of the sender, and, for a page, what the relay of that page
// says of its document (the relay is the extension's own code; the page
// cannot change what it adds).
type Sender struct {
	// TabID is the tab of a content script, or -1.
	TabID int `json:"tabId"`
	// URL is the address of the document that sent the message, now.
	URL string `json:"url"`
	// Origin is the sending document's origin as the browser reports it
	// (empty where it does not): "null" for a sandboxed document.
	Origin string `json:"origin,omitempty"`
	// Document names the sending document: a random id its relay chose
	// when the document started. A new document (a navigation, a reload)
	// has a new one.
	Document string `json:"doc,omitempty"`
	// LoadURL is the address the document was loaded at, as its relay
	// saw it before any script of the page ran (history.replaceState
	// changes URL, never LoadURL).
	LoadURL string `json:"loadUrl,omitempty"`
	// Opened is true when another page of the document's origin opened its
	// window (window.open), as its relay saw: that page could change the
	// window's built-ins before the page layer ran (browsers reuse the
	// opener's first, blank window for it).
	Opened bool `json:"opened,omitempty"`
	// Extension is true for the extension's own pages (the popup).
	Extension bool `json:"extension"`
}

// DecodeSender parses the sender the background reports with a message.
func DecodeSender(raw []byte) (Sender, error) {
	var s Sender
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Sender{}, badf("sender: %v", err)
	}
	return s, nil
}

// ErrMessage wraps every reason a message is refused.
var ErrMessage = errors.New("bad message")

func badf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMessage}, args...)...)
}

// DecodeMessage parses and checks one message from sender. It refuses
// oversized input, unknown fields and types, trailing data, and messages
// of a type the sender may not send (pages may not ask for status; the
// popup may not report failures).
func DecodeMessage(raw []byte, sender Sender) (Message, error) {
	var m Message
	if len(raw) > MaxMessage {
		return m, badf("larger than %d bytes", MaxMessage)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Message{}, badf("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Message{}, badf("trailing data")
	}
	switch m.Type {
	case TypeStatus, TypeTend, TypeDiscard, TypeSaveNow, TypeSettings, TypeSweep, TypeServers, TypeForget:
		if !sender.Extension {
			return Message{}, badf("%s is for the extension itself", m.Type)
		}
		return m, nil
	case TypeHello, TypeFailed, TypeRenewed, TypeOutcome, TypeRescue, TypeMayKeep, TypeDue, TypeCheck, TypeBody, TypeFinished:
		if sender.Extension || sender.TabID < 0 {
			return Message{}, badf("%s must come from a tab", m.Type)
		}
		if err := checkPage(sender); err != nil {
			return Message{}, err
		}
	default:
		return Message{}, badf("unknown type %q", m.Type)
	}
	if len(m.Body) > MaxBody {
		return Message{}, badf("body larger than %d bytes", MaxBody)
	}
	if len(m.URL) > maxURL || len(m.FinalURL) > maxURL || len(m.BaseURL) > maxBaseURL {
		return Message{}, badf("URL too long")
	}
	switch m.Type {
	case TypeFailed, TypeOutcome:
		if m.Method == "" || len(m.Method) > 16 || strings.ToUpper(m.Method) != m.Method {
			return Message{}, badf("bad method")
		}
		if m.Status < 0 || m.Status > 999 {
			return Message{}, badf("bad status")
		}
	case TypeRenewed:
		if m.Lease == "" || len(m.Lease) > 64 {
			return Message{}, badf("bad lease")
		}
	}
	if len(m.ID) > 64 || len(m.Reason) > 64 || m.Size < 0 || m.BasedOn < 0 || m.LastModified < 0 || m.KeepDays < 0 {
		return Message{}, badf("bad rescue fields")
	}
	switch m.Type {
	case TypeCheck, TypeBody, TypeFinished:
		if m.ID == "" {
			return Message{}, badf("%s needs an id", m.Type)
		}
	}
	return m, nil
}

// checkPage checks what the background reports of a page: its document is
// named, was loaded at an http(s) URL of the origin it is on now, and that
// origin is the one the browser reports (a sandboxed document's is "null":
// Jupyter serves user files with "Content-Security-Policy: sandbox" so that
// their scripts cannot act for the server).
func checkPage(s Sender) error {
	if s.Document == "" || len(s.Document) > 64 {
		return badf("the sending document is not named")
	}
	origin, _, err := originOf(s.URL)
	if err != nil {
		return err
	}
	if loaded, _, err := originOf(s.LoadURL); err != nil || loaded != origin {
		return badf("the document was loaded on another origin")
	}
	if s.Origin != "" && s.Origin != origin {
		return badf("the document's origin is %q, not its URL's", s.Origin)
	}
	return nil
}

// originOf returns scheme://host[:port] of an http(s) URL.
func originOf(raw string) (string, *url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", nil, badf("not an http(s) URL")
	}
	return u.Scheme + "://" + u.Host, u, nil
}

// Reply is the engine's answer to a message.
type Reply struct {
	// Action is "ok", "retry", "renew" or "give-up"; empty for status.
	Action   string `json:"action,omitempty"`
	Token    string `json:"token,omitempty"`
	RenewURL string `json:"renewUrl,omitempty"`
	Lease    string `json:"lease,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Hub tells the page, in the answer to a refusal, that its server
	// follows JupyterHub 4.1's rules (the classic UI cannot tell).
	Hub    bool    `json:"hub,omitempty"`
	Status *Status `json:"status,omitempty"`
	// Rescues lists the rescues a page should try to save now (answers to
	// hello and due).
	Rescues []RescueView `json:"rescues,omitempty"`
	// RetryIn is how many milliseconds until the next rescue of the
	// page's server is due, when none is due now; in the answer to "tend",
	// how long until the cookies may be looked at again.
	RetryIn int64 `json:"retryIn,omitempty"`
	// Drop lists rescue bodies the background deletes, and Kept is how many
	// rescues are kept in all (the badge); the background takes both out
	// before a reply reaches a page.
	Drop []string `json:"drop,omitempty"`
	Kept *int     `json:"kept,omitempty"`
	// SayHello asks the page to say hello again: the engine does not know
	// its document (its server was forgotten, or another document of the
	// tab said hello since).
	SayHello bool `json:"sayHello,omitempty"`
	// KeepDays answers "settings": how many days rescues are kept.
	KeepDays int `json:"keepDays,omitempty"`
	// Servers answers "servers": every server the engine knows.
	Servers []ServerView `json:"servers,omitempty"`
	// Error is set when the message was refused.
	Error string `json:"error,omitempty"`
}

// The actions of a Reply.
const (
	ActionOK     = "ok"
	ActionRetry  = "retry"
	ActionRenew  = "renew"
	ActionGiveUp = "give-up"
	// Answers to a rescue check: write the rescue now, keep it (the file
	// changed on the server), or wait (the server does not answer yet).
	ActionWrite = "write"
	ActionKeep  = "keep"
	ActionWait  = "wait"
)

// Reasons for giving up. The popup turns them into words.
const (
	ReasonNotXSRF        = "not-xsrf"
	ReasonLogin          = "login-required"
	ReasonMismatch       = "mismatch-persists"
	ReasonNoCookie       = "no-cookie-after-renewal"
	ReasonRenewTimeout   = "renewal-timeout"
	ReasonRenewFailed    = "renewal-failed"
	ReasonRecentFailure  = "renewal-failed-recently"
	ReasonNeedsNavigate  = "renewal-needs-navigation"
	ReasonUnknownServer  = "unknown-server"
	ReasonCookiesBlocked = "cookies-unreadable"
	// Reasons a save was kept as a rescue, besides the ones above.
	ReasonUnreachable = "server-unreachable"
	ReasonServerError = "server-error"
	ReasonRefused     = "save-refused"
	ReasonChanged     = "changed-on-server"
	// ReasonOpened answers a window another page of a JupyterHub opened:
	// it does not write kept saves back (see Engine.writesBack).
	ReasonOpened = "opened-by-another-page"
)
