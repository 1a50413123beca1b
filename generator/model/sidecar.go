package model

import (
	"maps"
	"slices"
)

// Sidecar is one more container in an app's pods (a log shipper, a proxy),
// rendered as a native sidecar: an init container with restartPolicy
// Always, which starts before the app's container and stops after it, and
// does not keep a Job's pod running. It is built and checked as the app's
// own container is: requests and limits, probes on its own ports, the
// restricted security context with the pod's user, its image pinned from
// the lock file, its strings scanned for credentials.
type Sidecar struct {
	Image   Image    `json:"image"`
	Command []string `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`

	Ports     map[string]Port   `json:"ports"`
	Env       map[string]EnvVar `json:"env"`
	Resources Resources         `json:"resources"`
	Probes    Probes            `json:"probes"`

	// Config is rendered as the ConfigMap <app>-<sidecar>-files, mounted
	// read-only at Config.MountPath in this container; Config.Env is
	// unused.
	Config Config `json:"config"`
	// Mounts mounts the app's volumes (App.Volumes) into this container,
	// by volume name.
	Mounts map[string]Mount `json:"mounts"`
}

// Mount mounts a volume at a path.
type Mount struct {
	MountPath string `json:"mountPath"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

// SharedVolume is an emptyDir the app's containers share (the log files a
// sidecar ships), mounted at MountPath in the app's container ("" for
// none) and wherever a sidecar's Mounts say.
type SharedVolume struct {
	MountPath string `json:"mountPath,omitempty"`
	// SizeLimit bounds the emptyDir ("" for none); the schema's default is
	// 512Mi.
	SizeLimit string `json:"sizeLimit,omitempty"`
}

// AppLogging is how an app's logs leave its pods.
type AppLogging struct {
	// Sidecar, when set, ships the files the app writes with a Fluent Bit
	// sidecar; the schema expands it into Sidecars["fluent-bit"] and
	// Volumes["logs"], so that it is built and checked as any sidecar.
	Sidecar *LogSidecar `json:"sidecar,omitempty"`
}

// LogSidecar is what logging.sidecar says: where the app writes its log
// files and where they go in CloudWatch Logs.
type LogSidecar struct {
	Path     string   `json:"path"`
	Files    []string `json:"files"`
	LogGroup string   `json:"logGroup"`
	Region   string   `json:"region"`
}

// SidecarNames returns the names of the app's sidecars, sorted: the
// order their containers are rendered and checked in.
func (a *App) SidecarNames() []string {
	return slices.Sorted(maps.Keys(a.Sidecars))
}

// Container is what the app's own container and each of its sidecars
// have in common, and what gen builds and checks the same way for both.
type Container struct {
	// Name is the container's: the app's name for its own, the
	// sidecar's key for a sidecar.
	Name string
	// Field is the container's CUE path relative to the app: "" for the
	// app's own, `sidecars."fluent-bit"` for a sidecar.
	Field string
	// Image points at the app's or the sidecar's image, where Pin writes
	// the digest.
	Image     *Image
	Command   []string
	Args      []string
	Ports     map[string]Port
	Env       map[string]EnvVar
	Resources Resources
	Probes    Probes
	// Sidecar is nil for the app's own container.
	Sidecar *Sidecar
}

// Path returns the CUE path of field of the container, relative to the
// environment: "apps.web.resources" or "apps.web.sidecars.log.resources".
func (c Container) Path(app *App, field string) string {
	switch {
	case c.Field == "":
		return app.Path(field)
	case field == "":
		return app.Path(c.Field)
	}
	return app.Path(c.Field + "." + field)
}

// Containers returns the app's own container, then its sidecars sorted
// by name.
func (a *App) Containers() []Container {
	out := []Container{{
		Name: a.Name, Image: &a.Image, Command: a.Command, Args: a.Args,
		Ports: a.Ports, Env: a.Env, Resources: a.Resources, Probes: a.Probes,
	}}
	for _, name := range a.SidecarNames() {
		s := a.Sidecars[name]
		out = append(out, Container{
			Name: name, Field: "sidecars." + Label(name), Image: &s.Image,
			Command: s.Command, Args: s.Args, Ports: s.Ports, Env: s.Env,
			Resources: s.Resources, Probes: s.Probes, Sidecar: s,
		})
	}
	return out
}
