package check_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gitops-gen/gen/generator/internal/check"
)

// Every Secret an app references must be declared by its namespace, with
// the key: gen renders no Secret.
func TestSecretRefs(t *testing.T) {
	const declared = `namespaces: chatbot: secrets: "db-credentials": {provided: "by-hand", reason: "a runbook", keys: ["password", "user"]}` + "\n"
	tests := []struct {
		name, src string
		want      []problem
	}{{
		name: "declared, with the key",
		src:  declared + `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}`,
	}, {
		name: "literal values need nothing",
		src:  `apps: web: env: LOG_LEVEL: "info"`,
	}, {
		name: "not declared",
		src:  `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}`,
		want: []problem{{path("apps", "web", "env", "DB_PASSWORD"),
			`apps.web.env.DB_PASSWORD: env DB_PASSWORD references Secret chatbot/db-credentials, which nothing renders and namespace chatbot does not declare (its secrets: none); declare how it reaches the cluster: namespaces: chatbot: secrets: "db-credentials": {provided: "external", store: "...", remoteKey: "...", keys: ["password"]} (or provided: "by-hand" with a reason)`}},
	}, {
		name: "declared in another namespace only",
		src: `namespaces: "koorde-cache": secrets: "db-credentials": {provided: "by-hand", reason: "a runbook", keys: ["password"]}
namespaces: chatbot: secrets: other: {provided: "by-hand", reason: "a runbook", keys: ["x"]}
apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "password"}`,
		want: []problem{{path("apps", "web", "env", "DB_PASSWORD"),
			`apps.web.env.DB_PASSWORD: env DB_PASSWORD references Secret chatbot/db-credentials, which nothing renders and namespace chatbot does not declare (its secrets: other); declare how it reaches the cluster: namespaces: chatbot: secrets: "db-credentials": {provided: "external", store: "...", remoteKey: "...", keys: ["password"]} (or provided: "by-hand" with a reason)`}},
	}, {
		name: "a key the Secret does not declare",
		src:  declared + `apps: web: env: DB_PASSWORD: {secret: "db-credentials", key: "passwd"}`,
		want: []problem{{path("apps", "web", "env", "DB_PASSWORD"),
			`apps.web.env.DB_PASSWORD: env DB_PASSWORD references key "passwd" of Secret chatbot/db-credentials, which declares only the keys password, user; did you mean password?`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(check.Environment(newEnv(t, web+tt.src)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Environment() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
