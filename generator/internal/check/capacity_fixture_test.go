// The fixture of the capacity gate's tests, which came here with them from
// package plan: capacityApp, capacityEnv and workload are plan's newApp,
// newEnv and workload (plan/fixture_test.go), whose report tests use the
// same environment. Keep the two in step.

package check_test

import (
	"github.com/gitops-gen/gen/generator/internal/object"
	"github.com/gitops-gen/gen/generator/model"
)

func intp(n int) *int { return &n }

// capacityApp returns an enabled Deployment in namespace chatbot with one
// replica, the schema's defaults and the given requests.
func capacityApp(name, cpu, memory string) *model.App {
	return &model.App{
		Name:      name,
		Enabled:   true,
		Namespace: "chatbot",
		PartOf:    "chatbot",
		Kind:      model.Deployment,
		Image:     model.Image{Repository: "235494787667.dkr.ecr.ap-south-1.amazonaws.com/" + name, Tag: "1.0.0"},
		Ports:     map[string]model.Port{"http": {Port: 8080, Protocol: "TCP"}},
		Resources: model.Resources{
			Requests: model.ResourceList{CPU: cpu, Memory: memory},
		},
		Replicas:       1,
		Spread:         model.Spread{Zones: "none", Hosts: "none"},
		AntiAffinity:   "none",
		Services:       map[string]model.Service{},
		Storage:        map[string]model.Volume{},
		ServiceAccount: model.ServiceAccount{Create: true},
	}
}

// capacityEnv returns seed 003's prod in small: cluster chatbot-prod in
// ap-south-1 (Kubernetes 1.35, three zones) with the node groups general
// (t3.medium, 2-5) and ml (m5.large, 1-3, tainted workload=ml:NoSchedule),
// and the apps
//
//   - backend: 250m / 256Mi, HPA 2-5, a ClusterIP and a LoadBalancer Service;
//   - ml: 1 CPU / 2Gi on the ml group, HPA 1-2, IAM role chatbot-ml;
//   - mongodb: a StatefulSet of 500m / 1Gi with 10Gi of gp3;
//   - retrain: a CronJob of 1 CPU / 2Gi on the ml group, IAM role chatbot-retrain.
//
// Every check passes on it. Its cue.Value is the zero value: errors have
// no position.
func capacityEnv() *model.Environment {
	backend := capacityApp("backend", "250m", "256Mi")
	backend.Replicas = 2
	backend.Autoscaling = &model.Autoscaling{Enabled: true, MinReplicas: int32p(2), MaxReplicas: int32p(5), CPU: int32p(70)}
	backend.Services = map[string]model.Service{
		"backend":        {Type: model.ClusterIP},
		"backend-public": {Type: model.LoadBalancer, Scheme: "internet-facing"},
	}

	ml := capacityApp("ml", "1", "2Gi")
	ml.NodeGroup = "ml"
	ml.Autoscaling = &model.Autoscaling{Enabled: true, MinReplicas: int32p(1), MaxReplicas: int32p(2), Memory: int32p(75)}
	ml.ServiceAccount.IAMRole = "chatbot-ml"

	mongodb := capacityApp("mongodb", "500m", "1Gi")
	mongodb.Kind = model.StatefulSet
	mongodb.Storage = map[string]model.Volume{"data": {Size: "10Gi", StorageClass: "gp3", MountPath: "/data/db", AccessMode: "ReadWriteOnce"}}

	retrain := capacityApp("retrain", "1", "2Gi")
	retrain.Kind = model.CronJob
	retrain.Schedule = "0 2 * * *"
	retrain.NodeGroup = "ml"
	retrain.ServiceAccount.IAMRole = "chatbot-retrain"

	env := &model.Environment{
		Name: "prod",
		Cluster: model.Cluster{
			Name:      "chatbot-prod",
			Region:    "ap-south-1",
			Version:   "1.35",
			AccountID: "235494787667",
			Zones:     []string{"ap-south-1a", "ap-south-1b", "ap-south-1c"},
			Addons: map[string]model.Addon{
				"vpc-cni": {Version: "latest"}, "coredns": {Version: "latest"},
				"kube-proxy": {Version: "latest"}, "aws-ebs-csi-driver": {Version: "latest"},
			},
			IAM: model.IAM{Roles: map[string]model.IAMRole{
				"cluster-autoscaler":           {WellKnownPolicies: map[string]bool{"autoScaler": true}},
				"aws-load-balancer-controller": {WellKnownPolicies: map[string]bool{"awsLoadBalancerController": true}},
				"ebs-csi-driver":               {WellKnownPolicies: map[string]bool{"ebsCSIController": true}},
				"chatbot-ml":                   {PolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
				"chatbot-retrain":              {PolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
			}},
			Autoscaler:             model.Autoscaler{Enabled: true, IAMRole: "cluster-autoscaler"},
			LoadBalancerController: model.Controller{IAMRole: "aws-load-balancer-controller"},
			EBSCSIDriver:           model.Controller{IAMRole: "ebs-csi-driver"},
			StorageClasses:         map[string]model.StorageClass{"gp3": {Type: "gp3", Encrypted: true, Default: true}},
			NodeGroups: map[string]model.NodeGroup{
				"general": {
					InstanceTypes: []string{"t3.medium"}, MinSize: 2, MaxSize: 5,
					Labels:     map[string]string{"workload": "general"},
					AMIFamily:  "AmazonLinux2023",
					VolumeSize: 20, VolumeType: "gp3", VolumeEncrypted: true,
				},
				"ml": {
					InstanceTypes: []string{"m5.large"}, MinSize: 1, MaxSize: 3,
					Labels:     map[string]string{"workload": "ml"},
					Taints:     []model.Taint{{Key: "workload", Value: "ml", Effect: "NoSchedule"}},
					AMIFamily:  "AmazonLinux2023",
					VolumeSize: 20, VolumeType: "gp3", VolumeEncrypted: true,
				},
			},
		},
		Namespaces: map[string]model.Namespace{"chatbot": {}},
		Apps:       map[string]*model.App{},
	}
	for _, a := range []*model.App{backend, ml, mongodb, retrain} {
		env.Apps[a.Name] = a
	}
	return env
}

// workload returns a rendered Deployment of app with one container of
// the given requests, and the nodeSelector and tolerations given, as
// kube.Build and patches would leave it.
func workload(app, kind string, requests map[string]any, nodeSelector map[string]any, tolerations []any) object.Object {
	spec := map[string]any{
		"containers": []any{map[string]any{"name": app, "resources": map[string]any{"requests": requests}}},
	}
	if nodeSelector != nil {
		spec["nodeSelector"] = nodeSelector
	}
	if tolerations != nil {
		spec["tolerations"] = tolerations
	}
	return object.Object{App: app, Content: map[string]any{
		"apiVersion": "apps/v1",
		"kind":       kind,
		"metadata":   map[string]any{"name": app, "namespace": "chatbot"},
		"spec":       map[string]any{"template": map[string]any{"spec": spec}},
	}}
}
