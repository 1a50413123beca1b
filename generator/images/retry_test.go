package images

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{"120", 2 * time.Minute, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sunday, 01-Mar-26 12:01:00 GMT", time.Minute, true}, // RFC 850, still allowed
		{"Sun, 01 Mar 2026 11:59:00 GMT", 0, true},            // in the past: no wait
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.value, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tt.value, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestBackoff(t *testing.T) {
	rt := &retryTransport{initial: 100 * time.Millisecond, max: time.Second}
	tests := []struct {
		attempt int
		base    time.Duration // the wait is in [base/2, base)
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
		{5, time.Second},
		{50, time.Second},
	}
	for _, tt := range tests {
		for range 100 {
			if got := rt.backoff(tt.attempt); got < tt.base/2 || got >= tt.base {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s)", tt.attempt, got, tt.base/2, tt.base)
			}
		}
	}
}

// TestRetryBody checks that a request body is sent again on a retry, and
// that a body that cannot be replayed is sent once.
func TestRetryBody(t *testing.T) {
	var calls atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != "payload" {
			t.Errorf("attempt %d got body %q, want %q", calls.Load()+1, b, "payload")
		}
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer s.Close()
	rt := &retryTransport{next: http.DefaultTransport, attempts: 3, timeout: time.Minute, initial: time.Millisecond, max: time.Second, now: time.Now}

	tests := []struct {
		name      string
		body      io.Reader
		wantCalls int32
		wantErr   bool
	}{
		{"replayable", strings.NewReader("payload"), 2, false},
		{"not replayable", io.MultiReader(strings.NewReader("payload")), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := rt.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("RoundTrip error = %v, want error: %v", err, tt.wantErr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("server saw %d attempts, want %d", got, tt.wantCalls)
			}
		})
	}
}
