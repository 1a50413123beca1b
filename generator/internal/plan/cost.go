package plan

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/gitops-gen/gen/generator/internal/capacity"
	"github.com/gitops-gen/gen/generator/model"
)

// cost prices the cluster at minSize and maxSize, or returns nil when the
// region has no prices.
func cost(a *capacity.Analysis, state string) *Cost {
	f := capacity.AWS()
	reg, ok := f.Regions[a.Env.Cluster.Region]
	if !ok {
		return nil
	}
	hours := float64(f.HoursPerMonth)
	c := &Cost{
		Currency:      "USD",
		HoursPerMonth: f.HoursPerMonth,
		PricesDate:    f.Date,
		Approximate:   true,
		SpotDiscount:  f.SpotDiscount,
	}
	if b := a.Env.Cluster.Budget; b != nil {
		c.Budget = &Budget{Monthly: usd(b.Monthly), Source: b.Source}
	}
	controlPlane := f.EKS.StandardSupportPerHour
	if state == capacity.SupportExtended || state == capacity.SupportEnded {
		controlPlane = f.EKS.ExtendedSupportPerHour
	}
	// An NLB per LoadBalancer Service and an ALB per ingress group that
	// an app joins. An ALB's hourly charge is an NLB's (Elastic Load
	// Balancing pricing, per load balancer-hour); capacity units, which
	// depend on traffic, are left out for both.
	lbs := 0
	albs := map[string]bool{}
	for _, u := range a.Apps {
		for _, svc := range u.App.Services {
			if svc.Type == model.LoadBalancer {
				lbs++
			}
		}
		if ing := u.App.Ingress; ing != nil {
			albs[ing.Group] = true
		}
	}
	lbs, nALB := lbs+len(albs), len(albs)
	for _, at := range []struct {
		bill *Bill
		size func(model.NodeGroup) int
		reps func(*capacity.Demand) int64
	}{
		{&c.Min, func(ng model.NodeGroup) int { return ng.MinSize }, func(u *capacity.Demand) int64 { return u.Min }},
		{&c.Max, func(ng model.NodeGroup) int { return ng.MaxSize }, func(u *capacity.Demand) int64 { return u.Max }},
	} {
		b := at.bill
		b.Nodes = []NodeCost{}
		b.ControlPlane = usd(controlPlane * hours)
		total := b.ControlPlane
		ebs := 0.0
		for _, g := range a.Groups {
			n := at.size(g.NodeGroup)
			if len(g.NodeGroup.InstanceTypes) == 0 {
				continue
			}
			t := g.NodeGroup.InstanceTypes[0]
			i, ok := capacity.LookupInstance(t)
			price, priced := 0.0, false
			if ok {
				price, priced = i.OnDemandPerHour[a.Env.Cluster.Region]
			}
			if !priced {
				b.Missing = append(b.Missing, fmt.Sprintf("node group %s: no price for %s in %s", g.Name, t, a.Env.Cluster.Region))
				continue
			}
			if g.NodeGroup.Spot {
				price *= 1 - f.SpotDiscount
			}
			price = math.Round(price*1e6) / 1e6
			nc := NodeCost{Group: g.Name, Nodes: n, InstanceType: t, PerHour: price, Monthly: usd(float64(n) * price * hours)}
			b.Nodes = append(b.Nodes, nc)
			total += nc.Monthly
			size := int64(n) * int64(g.NodeGroup.VolumeSize)
			b.EBS.NodeGiB += size
			ebs += float64(size) * ebsPrice(reg, g.NodeGroup.VolumeType, b)
		}
		for _, u := range a.Apps {
			for _, name := range slices.Sorted(maps.Keys(u.App.Storage)) {
				v := u.App.Storage[name]
				// EBS volumes come in whole GiB.
				size := (capacity.Bytes(v.Size) + capacity.GiB - 1) / capacity.GiB * at.reps(u)
				b.EBS.VolumeGiB += size
				ebs += float64(size) * ebsPrice(reg, volumeType(a.Env, v.StorageClass), b)
			}
		}
		b.EBS.Monthly = usd(ebs)
		b.LoadBalancers = LoadBalancers{Count: lbs, ALBs: nALB, Monthly: usd(float64(lbs) * reg.NLBPerHour * hours)}
		b.Total = total + b.EBS.Monthly + b.LoadBalancers.Monthly
		b.Total = usd(float64(b.Total))
	}
	return c
}

// volumeType is the EBS type of a StorageClass: the cluster's class of
// that name, else the name itself (the schema's default class "gp3").
func volumeType(env *model.Environment, class string) string {
	if sc, ok := env.Cluster.StorageClasses[class]; ok && sc.Type != "" {
		return sc.Type
	}
	return class
}

func ebsPrice(reg capacity.Region, volumeType string, b *Bill) float64 {
	if volumeType == "" {
		volumeType = "gp3"
	}
	p, ok := reg.EBSPerGiBMonth[volumeType]
	if !ok {
		msg := "EBS volume type " + volumeType + " has no price"
		if !slices.Contains(b.Missing, msg) {
			b.Missing = append(b.Missing, msg)
		}
	}
	return p
}

// usd rounds an amount to cents.
func usd(x float64) USD { return USD(math.Round(x*100) / 100) }
