package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
	"time"
)

// This file is the one source of the protocol between the engine and the
// extension's JavaScript: the message types (messages: who sends each, its
// fields), the limits of those fields (fields), the actions and reasons of
// the engine's answers (actions, reasons) and the bounds the scripts write
// as well (limits). DecodeMessage checks every message against these
// tables, FuzzDecodeMessage takes its seeds from them, the package
// documentation lists them (TestDocListsTheProtocol) and
// TestJavaScriptAgrees reads every script under extension/ and fails when
// one writes a type, field, action, reason or bound the tables do not
// define, or when the tables define one that no script handles.

// MaxMessage is the largest message the engine decodes, in bytes.
const MaxMessage = 64 << 10

// MaxBody is the most of a refused response's body a page sends, in bytes.
const MaxBody = 16 << 10

// Bounds of single fields of a page's message, in bytes.
const (
	maxMethod = 16
	maxLease  = 64
	maxID     = 64
	maxReason = 64
)

// The message types; messages says who sends each and what it carries.
// TypeMayKeep (bounds.go), TypeServers and TypeForget (manage.go) are
// types too.
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

// route says who sends a message type and how it reaches the engine.
type route uint8

const (
	// fromRelay: the page layer writes it, its relay forwards it as a
	// runtime message, and the background adds what the browser says of
	// the sender. relay.js lets these through (PAGE_TYPES).
	fromRelay route = iota + 1
	// overPort: the page layer writes it, for a kept save's body; its
	// relay carries it over a port and the background sends it for the
	// page. The relay lets it through (PAGE_TYPES); the background takes
	// it from ports only (PORT_ONLY).
	overPort
	// forPage: only the background writes it, for a page whose kept save
	// it is moving over a port (PORT_ONLY).
	forPage
	// fromExtension: the extension's own pages (popup, settings) and the
	// background itself. Pages may not send these.
	fromExtension
)

// page tells whether messages of the route come from a tab.
func (r route) page() bool { return r != fromExtension }

// messageSpec is one message type.
type messageSpec struct {
	Type  string
	Route route
	// Writers are the scripts that write it: "page" for the page layer
	// (extension/page/), otherwise a file of extension/ without ".js".
	Writers []string
	// Fields are the JSON fields (see fields) it may carry besides type;
	// Needs are those it must carry, not empty or zero.
	Fields, Needs []string
	// Says what the message tells or asks, for the package documentation.
	Says string
}

var (
	byPage        = []string{"page"}
	byBackground  = []string{"background"}
	byPageAndBack = []string{"page", "background"}
	byOptions     = []string{"options"}
	byPopup       = []string{"popup"}
)

// messages is every message type the engine takes, pages' first.
var messages = []messageSpec{
	{TypeHello, fromRelay, byPage, []string{"flavor", "baseUrl", "hub"}, nil,
		"this tab shows a page of the Jupyter server at baseUrl; the answer lists the kept saves due"},
	{TypeFailed, fromRelay, byPage, []string{"url", "method", "status", "contentType", "body", "sentToken", "sentAt"}, []string{"method"},
		"a request the page layer sent was refused (body: the start of the answer, sentToken: the X-XSRFToken it carried, sentAt: when, in ms since the epoch); the answer is an action"},
	{TypeRenewed, fromRelay, byPage, []string{"lease", "status", "finalUrl"}, []string{"lease"},
		"the renewal page load the engine asked for (lease) has ended"},
	{TypeOutcome, fromRelay, byPage, []string{"url", "method", "status", "ok", "recovered"}, []string{"method"},
		"how a guarded request ended, for the popup's counts"},
	{TypeDue, fromRelay, byPage, nil, nil,
		"which kept saves of this page's server to write back now"},
	{TypeCheck, fromRelay, byPage, []string{"id", "status", "lastModified"}, []string{"id"},
		"kept save id's file as the server has it now (status 200 or 404); the answer is write, keep or wait"},
	{TypeFinished, fromRelay, byPage, []string{"id", "method", "status", "ok", "reason"}, []string{"id"},
		"how writing kept save id back ended"},
	{TypeRescue, overPort, byPageAndBack, []string{"url", "method", "status", "reason", "basedOn", "id", "size", "lease"}, nil,
		"keep this save: the page layer writes url, method, status, reason and basedOn; the background adds the id it stored the body under, its size and the lease may-keep gave"},
	{TypeBody, overPort, byPageAndBack, []string{"id"}, []string{"id"},
		"may this page read kept save id's body, to write it back?"},
	{TypeMayKeep, forPage, byBackground, []string{"url", "method", "size"}, nil,
		"may this page keep a save of size characters? Asked before the body leaves the page; the answer's lease names the leave"},

	{TypeStatus, fromExtension, []string{"popup", "background", "options"}, []string{"tabId", "url"}, nil,
		"the status of the server shown in tab tabId, if it still shows url"},
	{TypeTend, fromExtension, byBackground, nil, nil,
		"extend `_xsrf` cookies that expire soon and drop kept saves older than the setting; retryIn says when to ask again"},
	{TypeSweep, fromExtension, byBackground, []string{"ids"}, nil,
		"which of these stored bodies belong to no kept save (a background stopped between storing one and recording it)"},
	{TypeDiscard, fromExtension, []string{"popup", "options"}, []string{"id"}, nil,
		"the user threw kept save id away"},
	{TypeSaveNow, fromExtension, []string{"popup", "options"}, []string{"id"}, nil,
		"write kept save id back whatever the server holds"},
	{TypeSettings, fromExtension, byOptions, []string{"keepDays"}, nil,
		"keep saves that many days (0: only tell how many)"},
	{TypeServers, fromExtension, byOptions, nil, nil,
		"every server the engine knows, with its kept saves"},
	{TypeForget, fromExtension, byOptions, []string{"url"}, nil,
		"forget the server at url (origin and base URL) and drop its kept saves"},
}

// specOf returns the message type named t, or nil.
func specOf(t string) *messageSpec {
	for i := range messages {
		if messages[i].Type == t {
			return &messages[i]
		}
	}
	return nil
}

// allows tells whether the message type may carry field.
func (s *messageSpec) allows(field string) bool {
	for _, f := range s.Fields {
		if f == field {
			return true
		}
	}
	return false
}

// fieldSpec is one field of Message, and its limits in a page's message
// (the extension's own messages are trusted to be sane). Numbers in a
// page's message are never negative.
type fieldSpec struct {
	Name string // its JSON name
	// MaxLen is a string's most bytes; 0: only MaxMessage bounds it.
	MaxLen int
	// Max is a number's largest value; 0: no bound.
	Max int64
	// Upper is set for an upper-case token (an HTTP method).
	Upper bool
	// Example is a valid value, for the fuzz test's seeds.
	Example any
}

const exampleURL = "http://127.0.0.1:8888/api/contents/x.ipynb"

// fields is every field of Message, in its order.
var fields = []fieldSpec{
	{Name: "flavor", Example: "lab"},
	{Name: "baseUrl", MaxLen: maxBaseURL, Example: "/user/alice/"},
	{Name: "hub", Example: true},
	{Name: "url", MaxLen: maxURL, Example: exampleURL},
	{Name: "method", MaxLen: maxMethod, Upper: true, Example: "PUT"},
	{Name: "status", Max: 999, Example: 403},
	{Name: "contentType", Example: "application/json"},
	{Name: "body", MaxLen: MaxBody, Example: `{"message": "'_xsrf' argument missing from POST", "reason": null}`},
	{Name: "sentToken", Example: "2|1f|ab|1764090000"},
	{Name: "sentAt", Example: 1764090000000},
	{Name: "lease", MaxLen: maxLease, Example: "abc"},
	{Name: "finalUrl", MaxLen: maxURL, Example: "http://127.0.0.1:8888/tree"},
	{Name: "ok", Example: true},
	{Name: "recovered", Example: true},
	{Name: "tabId", Example: 1},
	{Name: "id", MaxLen: maxID, Example: "1-a"},
	{Name: "reason", MaxLen: maxReason, Example: ReasonLogin},
	{Name: "basedOn", Example: 1764090000000},
	{Name: "lastModified", Example: 1764090000000},
	{Name: "size", Example: 5},
	{Name: "keepDays", Example: 30},
	{Name: "ids", Example: []string{"a", "b"}},
}

// fieldAt maps the index of each field of Message to its fieldSpec; nil
// for Type (TestTheTablesCoverMessage checks that fields names every
// other).
var fieldAt = func() []*fieldSpec {
	t := reflect.TypeFor[Message]()
	out := make([]*fieldSpec, t.NumField())
	for i := range out {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		for j := range fields {
			if fields[j].Name == name {
				out[i] = &fields[j]
			}
		}
	}
	return out
}()

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
	SentAt      int64  `json:"sentAt,omitempty"` // ms since the epoch

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

// DecodeMessage parses and checks one message from sender against the
// tables above. It refuses oversized input, unknown fields and types,
// trailing data, messages of a type the sender may not send (pages may not
// ask for status; the popup may not report failures), fields the type does
// not carry, and, in a page's message, fields out of their bounds or
// missing.
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
	spec := specOf(m.Type)
	switch {
	case spec == nil:
		return Message{}, badf("unknown type %q", m.Type)
	case !spec.Route.page() && !sender.Extension:
		return Message{}, badf("%s is for the extension itself", m.Type)
	case spec.Route.page() && (sender.Extension || sender.TabID < 0):
		return Message{}, badf("%s must come from a tab", m.Type)
	case spec.Route.page():
		if err := checkPage(sender); err != nil {
			return Message{}, err
		}
	}
	if err := spec.check(&m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// check checks m's fields against the type: only its own fields, and in
// a page's message, each within its bounds and the needed ones there.
func (s *messageSpec) check(m *Message) error {
	v := reflect.ValueOf(m).Elem()
	for i, f := range fieldAt {
		value := v.Field(i)
		if f == nil || value.IsZero() { // type, or a field not there
			continue
		}
		if !s.allows(f.Name) {
			return badf("%s carries no %s", s.Type, f.Name)
		}
		if !s.Route.page() {
			continue
		}
		switch value.Kind() {
		case reflect.String:
			if f.MaxLen > 0 && value.Len() > f.MaxLen {
				return badf("%s longer than %d bytes", f.Name, f.MaxLen)
			}
			if f.Upper && strings.ToUpper(value.String()) != value.String() {
				return badf("%s is not upper case", f.Name)
			}
		case reflect.Int, reflect.Int64:
			if n := value.Int(); n < 0 || (f.Max > 0 && n > f.Max) {
				return badf("%s %d out of range", f.Name, n)
			}
		}
	}
	if !s.Route.page() {
		return nil
	}
	for _, name := range s.Needs {
		for i, f := range fieldAt {
			if f != nil && f.Name == name && v.Field(i).IsZero() {
				return badf("%s needs a %s", s.Type, name)
			}
		}
	}
	return nil
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

// The actions of a Reply; actions says what each asks of a page.
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

// answerSpec is an action or a reason of a Reply.
type answerSpec struct {
	Name string
	// By is who gives it: "engine", or "relay" when the relay answers for
	// an engine it cannot reach or a page that sends too much.
	By string
	// Means is what it tells the page or the popup.
	Means string
	// Words are the maps of the scripts that word it, as script.MAP:
	// popup.PROBLEMS (a server's last problem), popup.WHY (why a save is
	// kept), notice.KEPT and notice.NEEDS_YOU (the notice in the page).
	Words []string
	// Unnamed says why no script names it, when none does: the scripts
	// take it with the answers they do not name. Empty when one does.
	Unnamed string
}

// actions is every action of a Reply.
var actions = []answerSpec{
	{ActionOK, "engine", "done; also the relay's answer to a body it fetched", nil, ""},
	{ActionRetry, "engine", "send the refused request again, once, with token", nil, ""},
	{ActionRenew, "engine", "load renewUrl (same origin), then send renewed with lease", nil, ""},
	{ActionGiveUp, "engine", "hand the refusal to Jupyter unchanged; reason says why (the relay gives it up too)", nil, ""},
	{ActionWrite, "engine", "write the kept save back now (answer to check)", nil, ""},
	{ActionKeep, "engine", "keep the save, do not write it (answer to check, due, body, finished)", nil,
		"the page layer takes every answer to check but write and wait as keep (kept.js)"},
	{ActionWait, "engine", "the server does not answer yet: ask again later (answer to check)", nil, ""},
}

// Reasons for giving up. The popup turns them into words.
// ReasonHTTPOnly (bounds.go) is one too.
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
	// ReasonServerStopped: JupyterHub answered 424, the user's server is
	// not running (stopped, or culled while idle).
	ReasonServerStopped = "server-stopped"
	ReasonRefused       = "save-refused"
	ReasonChanged       = "changed-on-server"
	// ReasonOpened answers a window another page of a JupyterHub opened:
	// it does not write kept saves back (see Engine.writesBack).
	ReasonOpened = "opened-by-another-page"
	// ReasonNoSuchRescue answers a check of a rescue the engine does not
	// keep (any more).
	ReasonNoSuchRescue = "no-such-rescue"
	// The relay gives up for the engine when a page sends more than it
	// lets through (ReasonRateLimited) or the background does not answer
	// (ReasonEngineUnreachable); a page may send them back in a rescue's or
	// a finished write's reason.
	ReasonRateLimited       = "rate-limited"
	ReasonEngineUnreachable = "engine-unreachable"
)

// The maps of the scripts that word a reason (answerSpec.Words).
var (
	problem    = []string{"popup.PROBLEMS"}
	keptWhy    = []string{"popup.WHY", "notice.KEPT"}
	conflict   = []string{"popup.WHY", "notice.NEEDS_YOU"}
	loginWords = []string{"popup.PROBLEMS", "popup.WHY", "notice.NEEDS_YOU"}
	noticeKept = []string{"notice.KEPT"}
)

// reasons is every reason of a Reply, of a server's last problem and of a
// kept save.
var reasons = []answerSpec{
	{ReasonNotXSRF, "engine", "the refusal is not about XSRF; never retried", nil,
		"the page layer hands such a refusal to Jupyter as it came; it is no problem of the server's"},
	{ReasonLogin, "engine", "the login or token expired: no retry; kept saves wait for a new login", loginWords, ""},
	{ReasonMismatch, "engine", "the server refuses the token it set", problem, ""},
	{ReasonNoCookie, "engine", "a renewal set no cookie", problem, ""},
	{ReasonRenewTimeout, "engine", "no tab reported the renewal in time", problem, ""},
	{ReasonRenewFailed, "engine", "the renewal failed", problem, ""},
	{ReasonRecentFailure, "engine", "a renewal failed a moment ago, and the next waits", problem, ""},
	{ReasonNeedsNavigate, "engine", "this JupyterHub renews only on a navigation, and none may be opened now", problem, ""},
	{ReasonUnknownServer, "engine", "the engine does not know the page's server: the reply asks it to say hello again", nil,
		"the page layer acts on the reply's sayHello, not on this reason"},
	{ReasonCookiesBlocked, "engine", "the engine cannot read the site's cookies", problem, ""},
	{ReasonHTTPOnly, "engine", "the only token is an HttpOnly cookie, which the page cannot read", problem, ""},
	{ReasonUnreachable, "engine", "a kept save: the server did not answer", keptWhy, ""},
	{ReasonServerError, "engine", "a kept save: the server failed to save it", keptWhy, ""},
	{ReasonServerStopped, "engine", "a kept save: JupyterHub says the user's server is not running (424)", keptWhy, ""},
	{ReasonRefused, "engine", "a kept save the server refused for another reason (the popup's WHY words it with its fallback)", noticeKept, ""},
	{ReasonChanged, "engine", "a kept save not written back: the file changed on the server", conflict, ""},
	{ReasonOpened, "engine", "with keep: a window another page of a JupyterHub opened writes no kept save back", nil,
		"the page layer takes it as any keep (see actions)"},
	{ReasonNoSuchRescue, "engine", "with keep: the engine keeps no such save (any more)", nil,
		"the page layer takes it as any keep (see actions)"},
	{ReasonRateLimited, "relay", "the page sent more messages than the relay lets through", nil, ""},
	{ReasonEngineUnreachable, "relay", "the background did not answer the relay", nil, ""},
}

// limitSpec is a bound the extension's scripts write too.
type limitSpec struct {
	// JS is the constant's name, or "length" for a bound on a length
	// written in place (s.length > 4096).
	JS string
	// In are the scripts that write it (as messageSpec.Writers).
	In []string
	// Value is what the scripts must write: for a length written in
	// place, the longest they let through.
	Value int64
	// Go is what it mirrors.
	Go string
}

// ms is d in milliseconds, as the scripts write times.
func ms(d time.Duration) int64 { return d.Milliseconds() }

// limits is every bound the engine and the scripts share. (Bounds only
// the scripts know are listed by TestJavaScriptAgrees.)
var limits = []limitSpec{
	{"MAX_MESSAGE", []string{"relay"}, MaxMessage, "MaxMessage: the largest message the engine decodes"},
	{"MAX_BODY", byPage, MaxBody, "MaxBody: the most of a refused response's body a page sends"},
	{"length", byPage, 4096, "the longest token xsrf.HeaderValue takes"},
	{"MAX_BASE_URL", byPage, maxBaseURL, "maxBaseURL: the longest base URL of a server"},
	{"ASK_TIMEOUT", byPage, ms(RenewTimeout + 10*time.Second),
		"RenewTimeout and 10 s more: a page waits for an answer longer than the engine waits for a renewal"},
	{"MAX_RETRY_IN", byPage, ms(maxRetryPause), "maxRetryPause: the longest pause the engine asks for after a failed write"},
}
