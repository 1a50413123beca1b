package check

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/gitops-gen/gen/generator/model"
)

// sidecars checks what an app's sidecars and shared volumes add to its
// pods beyond what every container is checked for (image, resources,
// probes, ports, LimitRange: see app): container and volume names that
// must differ, the volumes each container mounts, and paths that two
// volumes would be mounted at in one container.
func (c *checker) sidecars(app *model.App) {
	for _, name := range app.SidecarNames() {
		s := app.Sidecars[name]
		at := func(f string) string { return app.Path("sidecars." + model.Label(name) + f) }
		if name == app.Name {
			c.errorf(at(""), "sidecar %s has the name of the app's own container (the app's name); rename the sidecar", name)
		}
		if len(s.Config.Files) > 0 && s.Config.MountPath == "" {
			c.errorf(at(".config"), "sidecar %s has config files but no config.mountPath; say where to mount them", name)
		}
		mounts := map[string]string{} // cleaned path -> what is mounted there
		c.mountAt(mounts, at(""), "/tmp", "the /tmp emptyDir")
		if len(s.Config.Files) > 0 && s.Config.MountPath != "" {
			c.mountAt(mounts, at(".config.mountPath"), s.Config.MountPath, "config files")
		}
		for _, v := range slices.Sorted(maps.Keys(s.Mounts)) {
			field := at(".mounts." + model.Label(v))
			if _, ok := app.Volumes[v]; !ok {
				c.errorf(field, "sidecar %s mounts volume %q, which is not one of the app's volumes (%s); declare it under volumes", name, v, nameList(app.Volumes))
				continue
			}
			c.mountAt(mounts, field+".mountPath", s.Mounts[v].MountPath, "volume "+v)
		}
	}
	c.sharedVolumes(app)
	if ls := app.Logging.Sidecar; ls != nil && (app.ServiceAccount.IAMRole == "" || !app.ServiceAccount.Create) {
		c.errorf(app.Path("logging.sidecar"), "the Fluent Bit sidecar sends logs to CloudWatch Logs (group %s) with the pod's IAM role, and the app has none; set serviceAccount.iamRole to a role that allows logs:CreateLogStream and logs:PutLogEvents (the AWS managed policy CloudWatchAgentServerPolicy does)", ls.LogGroup)
	}
}

// sharedVolumes checks the app's volumes: their names against the pod's
// other volumes, their mount paths in the app's container against what
// it already mounts, and that each is mounted somewhere.
func (c *checker) sharedVolumes(app *model.App) {
	taken := map[string]string{"config": "the config files' volume", "tmp": "the /tmp emptyDir"}
	for _, name := range app.SidecarNames() {
		taken[name+"-config"] = "sidecar " + name + "'s config volume"
	}
	if app.Kind == model.StatefulSet {
		for name := range app.Storage {
			taken[name] = "storage " + name
		}
	}
	mounts := map[string]string{}
	if len(app.Config.Files) > 0 {
		mounts[path.Clean(app.Config.MountPath)] = "config files (config.mountPath)"
	}
	if app.SecurityContext.ReadOnlyRootFilesystem {
		mounts["/tmp"] = "the /tmp emptyDir of the read-only root filesystem"
	}
	if app.Kind == model.StatefulSet {
		for _, name := range slices.Sorted(maps.Keys(app.Storage)) {
			mounts[path.Clean(app.Storage[name].MountPath)] = "storage " + name
		}
	}
	for _, name := range slices.Sorted(maps.Keys(app.Volumes)) {
		v := app.Volumes[name]
		at := app.Path("volumes." + model.Label(name))
		if what, ok := taken[name]; ok {
			c.errorf(at, "volume name %s is taken by %s; rename the volume", name, what)
		}
		if v.MountPath != "" {
			c.mountAt(mounts, at+".mountPath", v.MountPath, "volume "+name)
			continue
		}
		used := false
		for _, s := range app.Sidecars {
			_, ok := s.Mounts[name]
			used = used || ok
		}
		if !used {
			c.errorf(at, "volume %s is mounted by no container; give it a mountPath or mount it in a sidecar, or remove it", name)
		}
	}
}

// mountAt records that what is mounted at p in one container, and
// reports p when something is mounted there already.
func (c *checker) mountAt(mounts map[string]string, field, p, what string) {
	p = path.Clean(p)
	if other, ok := mounts[p]; ok {
		c.errorf(field, "%s would be mounted at %s, where the container already mounts %s; choose another path", what, p, other)
		return
	}
	mounts[p] = what
}

// nameList lists a map's keys, sorted, for a message.
func nameList[V any](m map[string]V) string {
	if len(m) == 0 {
		return "it has none"
	}
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}
