package model

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSecretOrValue: a reference decodes into Ref; a literal only sets
// Literal, and its value is kept nowhere.
func TestSecretOrValue(t *testing.T) {
	var r SlackReceiver
	if err := json.Unmarshal([]byte(`{"channel": "#a", "apiURL": {"secret": "s", "key": "url"}}`), &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(SecretOrValue{Ref: &SecretKeyRef{Secret: "s", Key: "url"}}, r.APIURL); diff != "" {
		t.Errorf("reference mismatch (-want +got):\n%s", diff)
	}
	const hook = "https://hooks.slack.com/services/T0/B0/secret-token"
	if err := json.Unmarshal([]byte(`{"channel": "#a", "apiURL": "`+hook+`"}`), &r); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(SecretOrValue{Literal: true}, r.APIURL); diff != "" {
		t.Errorf("literal mismatch (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret-token") {
		t.Errorf("json.Marshal(literal receiver) = %s, which holds the value", b)
	}
}

func TestMetricsService(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services map[string]Service
		want     string
	}{
		{"a ClusterIP one first", map[string]Service{"a-lb": {Type: LoadBalancer}, "b": {Type: ClusterIP}}, "b"},
		{"a LoadBalancer one when it is the only one", map[string]Service{"lb": {Type: LoadBalancer}}, "lb"},
		{"not one without the port", map[string]Service{"grpc": {Type: Headless, Ports: []string{"grpc"}}}, ""},
		{"none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &App{Metrics: &Metrics{Port: "http"}, Services: tc.services}
			if got := app.MetricsService(); got != tc.want {
				t.Errorf("MetricsService() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReceiversFor(t *testing.T) {
	a := Alerting{
		Receiver: "slack",
		Routes: []AlertRoute{
			{Severity: "critical", Receiver: "pagerduty"},
			{Team: "shop", Receiver: "shop-slack"},
		},
	}
	if diff := cmp.Diff([]string{"pagerduty", "slack"}, a.ReceiversFor("chat")); diff != "" {
		t.Errorf("ReceiversFor(chat) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pagerduty", "shop-slack", "slack"}, a.ReceiversFor("shop")); diff != "" {
		t.Errorf("ReceiversFor(shop) mismatch (-want +got):\n%s", diff)
	}
}
