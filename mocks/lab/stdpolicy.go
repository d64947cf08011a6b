package main

// Standard vSwitch policies. A portgroup's spec.policy holds only its
// overrides (an unset field inherits); HostPortGroup.computedPolicy is the
// vSwitch's policy with those overrides applied, and a vSwitch's unset
// fields fall back to ESXi's own defaults (ESXi 7.0 and later: all three
// security settings Reject).

import (
	"github.com/vmware/govmomi/vim25/types"
)

// esxiDefaultPolicy is what a vSwitch without a policy (or with unset
// fields) enforces.
func esxiDefaultPolicy(nics []string) types.HostNetworkPolicy {
	return types.HostNetworkPolicy{
		Security: &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: boolPtr(false),
			MacChanges:       boolPtr(false),
			ForgedTransmits:  boolPtr(false),
		},
		NicTeaming: &types.HostNicTeamingPolicy{
			Policy:         "loadbalance_srcid",
			ReversePolicy:  boolPtr(true),
			NotifySwitches: boolPtr(true),
			RollingOrder:   boolPtr(false),
			FailureCriteria: &types.HostNicFailureCriteria{
				CheckSpeed:        "minimum",
				Speed:             10,
				CheckDuplex:       boolPtr(false),
				FullDuplex:        boolPtr(false),
				CheckErrorPercent: boolPtr(false),
				Percentage:        0,
				CheckBeacon:       boolPtr(false),
			},
			NicOrder: &types.HostNicOrderPolicy{ActiveNic: nics},
		},
		OffloadPolicy: &types.HostNetOffloadCapabilities{
			CsumOffload:     boolPtr(true),
			TcpSegmentation: boolPtr(true),
			ZeroCopyXmit:    boolPtr(true),
		},
		ShapingPolicy: &types.HostNetworkTrafficShapingPolicy{Enabled: boolPtr(false)},
	}
}

// overlayPolicy returns base with every field that over sets replaced.
func overlayPolicy(base types.HostNetworkPolicy, over *types.HostNetworkPolicy) types.HostNetworkPolicy {
	if over == nil {
		return base
	}
	out := base
	if s := over.Security; s != nil {
		sec := *base.Security
		setBool(&sec.AllowPromiscuous, s.AllowPromiscuous)
		setBool(&sec.MacChanges, s.MacChanges)
		setBool(&sec.ForgedTransmits, s.ForgedTransmits)
		out.Security = &sec
	}
	if t := over.NicTeaming; t != nil {
		team := *base.NicTeaming
		if t.Policy != "" {
			team.Policy = t.Policy
		}
		setBool(&team.ReversePolicy, t.ReversePolicy)
		setBool(&team.NotifySwitches, t.NotifySwitches)
		setBool(&team.RollingOrder, t.RollingOrder)
		if f := t.FailureCriteria; f != nil {
			fc := *base.NicTeaming.FailureCriteria
			if f.CheckSpeed != "" {
				fc.CheckSpeed = f.CheckSpeed
			}
			if f.Speed != 0 {
				fc.Speed = f.Speed
			}
			if f.Percentage != 0 {
				fc.Percentage = f.Percentage
			}
			setBool(&fc.CheckDuplex, f.CheckDuplex)
			setBool(&fc.FullDuplex, f.FullDuplex)
			setBool(&fc.CheckErrorPercent, f.CheckErrorPercent)
			setBool(&fc.CheckBeacon, f.CheckBeacon)
			team.FailureCriteria = &fc
		}
		if t.NicOrder != nil {
			team.NicOrder = t.NicOrder
		}
		out.NicTeaming = &team
	}
	if o := over.OffloadPolicy; o != nil {
		off := *base.OffloadPolicy
		setBool(&off.CsumOffload, o.CsumOffload)
		setBool(&off.TcpSegmentation, o.TcpSegmentation)
		setBool(&off.ZeroCopyXmit, o.ZeroCopyXmit)
		out.OffloadPolicy = &off
	}
	if s := over.ShapingPolicy; s != nil && s.Enabled != nil {
		// Shaping is overridden as a whole: its bandwidths mean nothing
		// without the enabled flag that goes with them.
		shaping := *s
		out.ShapingPolicy = &shaping
	}
	return out
}

func setBool(dst **bool, v *bool) {
	if v != nil {
		b := *v
		*dst = &b
	}
}

// normalizePortgroupPolicy gives a portgroup policy the shape ESXi reads it
// back in: every sub-policy present, empty when nothing is overridden.
func normalizePortgroupPolicy(p types.HostNetworkPolicy) types.HostNetworkPolicy {
	if p.Security == nil {
		p.Security = &types.HostNetworkSecurityPolicy{}
	}
	if p.NicTeaming == nil {
		p.NicTeaming = &types.HostNicTeamingPolicy{}
	}
	if p.NicTeaming.FailureCriteria == nil {
		team := *p.NicTeaming
		team.FailureCriteria = &types.HostNicFailureCriteria{}
		p.NicTeaming = &team
	}
	if p.OffloadPolicy == nil {
		p.OffloadPolicy = &types.HostNetOffloadCapabilities{}
	}
	if p.ShapingPolicy == nil {
		p.ShapingPolicy = &types.HostNetworkTrafficShapingPolicy{}
	}
	return p
}

// scenarioSwitchPolicy is the full policy ESXi stores for a vSwitch
// configured with the scenario's settings.
func scenarioSwitchPolicy(p scSwitchPolicy, nics []string) *types.HostNetworkPolicy {
	policy := esxiDefaultPolicy(nics)
	policy.Security = &types.HostNetworkSecurityPolicy{
		AllowPromiscuous: boolPtr(p.AllowPromiscuous),
		MacChanges:       boolPtr(p.MacChanges),
		ForgedTransmits:  boolPtr(p.ForgedTransmits),
	}
	team := *policy.NicTeaming
	team.Policy = p.Teaming.Policy
	team.NicOrder = &types.HostNicOrderPolicy{ActiveNic: p.Teaming.ActiveNic, StandbyNic: p.Teaming.StandbyNic}
	policy.NicTeaming = &team
	return &policy
}

// scenarioPortgroupPolicy holds the scenario's overrides only.
func scenarioPortgroupPolicy(p *scPortgroupPolicy) types.HostNetworkPolicy {
	var policy types.HostNetworkPolicy
	if p != nil {
		policy.Security = &types.HostNetworkSecurityPolicy{
			AllowPromiscuous: p.AllowPromiscuous,
			MacChanges:       p.MacChanges,
			ForgedTransmits:  p.ForgedTransmits,
		}
		if t := p.Teaming; t != nil {
			policy.NicTeaming = &types.HostNicTeamingPolicy{
				Policy:   t.Policy,
				NicOrder: &types.HostNicOrderPolicy{ActiveNic: t.ActiveNic, StandbyNic: t.StandbyNic},
			}
		}
		if s := p.Shaping; s != nil {
			policy.ShapingPolicy = &types.HostNetworkTrafficShapingPolicy{
				Enabled:          boolPtr(s.Enabled),
				AverageBandwidth: s.AverageBandwidth,
				PeakBandwidth:    s.PeakBandwidth,
				BurstSize:        s.BurstSize,
			}
		}
	}
	return normalizePortgroupPolicy(policy)
}
