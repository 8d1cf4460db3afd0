package xsrf

import "testing"

// FuzzClassify feeds the 403 classifier any response: it must never
// panic, anything but a 403 is NotXSRF, and a kind other than NotXSRF
// comes with the message it was read from.
func FuzzClassify(f *testing.F) {
	f.Add(403, "application/json", []byte(`{"message": "'_xsrf' argument missing from POST", "reason": null}`))
	f.Add(403, "text/html", []byte(`{"message": "XSRF cookie does not match PUT argument"}`))
	f.Add(403, "application/json; charset=UTF-8", []byte(`{"message": "Forbidden"}`))
	f.Add(403, "", []byte(`<html><body>403 Forbidden</body></html>`))
	f.Add(500, "application/json", []byte(`{"message": "Forbidden"}`))
	f.Add(403, "application/json", []byte(`{"message": null}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		got := Classify(status, contentType, body)
		if got.Kind < NotXSRF || got.Kind > LoginRequired {
			t.Fatalf("kind %d out of range", got.Kind)
		}
		if status != 403 && got.Kind != NotXSRF {
			t.Fatalf("status %d classified %v", status, got.Kind)
		}
		if got.Kind != NotXSRF && got.Message == "" {
			t.Fatalf("kind %v without its message", got.Kind)
		}
	})
}
