package main

// dvSwitch port settings (VMwareDVSPortSetting), with vCenter's rules:
//
//   - A portgroup's settings inherit from the switch, a port's from its
//     portgroup. Every setting is an InheritablePolicy: inherited=true means
//     "the parent's value", which the lab resolves and shows, as vCenter does.
//   - ReconfigureDVPortgroup_Task applies a DELTA: a field the spec leaves
//     out keeps its value, at every depth (mergeSetting).
//   - Since vCenter 6.7 a setting carries the MAC security trio twice: in
//     securityPolicy (BoolPolicies) and in macManagementPolicy (plain
//     booleans, plus MAC learning). vCenter keeps them equal whichever one
//     a client changed; a pre-6.7 vCenter (legacySecurityPolicyOnly) knows
//     securityPolicy only.

import (
	"reflect"
	"strings"

	"github.com/vmware/govmomi/vim25/types"
)

func boolPolicy(v bool) *types.BoolPolicy { return &types.BoolPolicy{Value: boolPtr(v)} }

func macLearningPolicy(ml *scMacLearning) *types.DVSMacLearningPolicy {
	if ml == nil {
		// vCenter's default: learning off, with the limits it would use.
		return &types.DVSMacLearningPolicy{Enabled: false, AllowUnicastFlooding: boolPtr(true), Limit: int32Ptr(4096), LimitPolicy: "DROP"}
	}
	limit, limitPolicy := ml.Limit, ml.LimitPolicy
	if limit == 0 {
		limit = 4096
	}
	return &types.DVSMacLearningPolicy{
		Enabled:              ml.Enabled,
		AllowUnicastFlooding: boolPtr(ml.AllowUnicastFlooding),
		Limit:                int32Ptr(limit),
		LimitPolicy:          orDefault(limitPolicy, "DROP"),
	}
}

// dvsDefaultSetting is a switch's config.defaultPortConfig: nothing above
// it to inherit from.
func dvsDefaultSetting(d *scDvsDefaults, legacy bool) *types.VMwareDVSPortSetting {
	shaping := func() *types.DVSTrafficShapingPolicy {
		return &types.DVSTrafficShapingPolicy{
			Enabled:          boolPolicy(false),
			AverageBandwidth: &types.LongPolicy{Value: 100000000},
			PeakBandwidth:    &types.LongPolicy{Value: 100000000},
			BurstSize:        &types.LongPolicy{Value: 104857600},
		}
	}
	s := &types.VMwareDVSPortSetting{
		DVPortSetting: types.DVPortSetting{
			Blocked:                 boolPolicy(false),
			VmDirectPathGen2Allowed: boolPolicy(false),
			InShapingPolicy:         shaping(),
			OutShapingPolicy:        shaping(),
			NetworkResourcePoolKey:  &types.StringPolicy{Value: "-1"},
		},
		Vlan: &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: 0},
		UplinkTeamingPolicy: &types.VmwareUplinkPortTeamingPolicy{
			Policy:         &types.StringPolicy{Value: "loadbalance_srcid"},
			ReversePolicy:  boolPolicy(true),
			NotifySwitches: boolPolicy(true),
			RollingOrder:   boolPolicy(false),
			FailureCriteria: &types.DVSFailureCriteria{
				CheckSpeed:        &types.StringPolicy{Value: "minimum"},
				Speed:             &types.IntPolicy{Value: 10},
				CheckDuplex:       boolPolicy(false),
				FullDuplex:        boolPolicy(false),
				CheckErrorPercent: boolPolicy(false),
				Percentage:        &types.IntPolicy{Value: 0},
				CheckBeacon:       boolPolicy(false),
			},
			UplinkPortOrder: &types.VMwareUplinkPortOrderPolicy{ActiveUplinkPort: []string{"Uplink 1", "Uplink 2"}},
		},
		SecurityPolicy: &types.DVSSecurityPolicy{
			AllowPromiscuous: boolPolicy(d.AllowPromiscuous),
			MacChanges:       boolPolicy(d.MacChanges),
			ForgedTransmits:  boolPolicy(d.ForgedTransmits),
		},
		IpfixEnabled: boolPolicy(false),
		TxUplink:     boolPolicy(false),
		MacManagementPolicy: &types.DVSMacManagementPolicy{
			MacLearningPolicy: macLearningPolicy(d.MacLearning),
		},
	}
	reconcileSecurity(s, false, legacy)
	return s
}

// portgroupSetting is a scenario dvPortgroup's defaultPortConfig: the
// switch's settings, inherited, with the portgroup's own values on top.
func portgroupSetting(dvsDefault *types.VMwareDVSPortSetting, pg *scDvPortgroup, legacy bool) *types.VMwareDVSPortSetting {
	s := inheritAll(dvsDefault)
	s.Vlan = &types.VmwareDistributedVirtualSwitchVlanIdSpec{VlanId: pg.VlanID}
	sec := *s.SecurityPolicy
	override := func(dst **types.BoolPolicy, v *bool) {
		if v != nil {
			*dst = boolPolicy(*v)
			sec.Inherited = false
		}
	}
	override(&sec.AllowPromiscuous, pg.Policy.AllowPromiscuous)
	override(&sec.MacChanges, pg.Policy.MacChanges)
	override(&sec.ForgedTransmits, pg.Policy.ForgedTransmits)
	s.SecurityPolicy = &sec
	if pg.MacLearning != nil {
		mm := *s.MacManagementPolicy
		mm.MacLearningPolicy = macLearningPolicy(pg.MacLearning)
		s.MacManagementPolicy = &mm
	}
	reconcileSecurity(s, false, legacy)
	return s
}

// portSetting is a dvPort's config.setting: its portgroup's, inherited,
// with the port's own macChanges override if any.
func portSetting(pgSetting *types.VMwareDVSPortSetting, macChanges *bool, legacy bool) *types.VMwareDVSPortSetting {
	s := inheritAll(pgSetting)
	if macChanges != nil {
		sec := *s.SecurityPolicy
		sec.Inherited = false
		sec.MacChanges = boolPolicy(*macChanges)
		s.SecurityPolicy = &sec
		reconcileSecurity(s, false, legacy)
	}
	return s
}

// applySettingDelta is ReconfigureDVPortgroup's handling of
// spec.defaultPortConfig: merge, resolve what is now inherited from the
// switch, and keep the two security views equal.
func applySettingDelta(current, delta, dvsDefault *types.VMwareDVSPortSetting, legacy bool) *types.VMwareDVSPortSetting {
	s := clone(current)
	mergeIntoPtr(s, delta)
	resolveInherited(reflect.ValueOf(s).Elem(), reflect.ValueOf(dvsDefault).Elem())
	reconcileSecurity(s, delta.MacManagementPolicy != nil, legacy)
	return s
}

// reconcileSecurity makes securityPolicy and macManagementPolicy say the
// same. When the client sent a macManagementPolicy it wins (it is the
// current API); otherwise securityPolicy is the source.
func reconcileSecurity(s *types.VMwareDVSPortSetting, fromMacManagement, legacy bool) {
	if legacy {
		s.MacManagementPolicy = nil
		return
	}
	if fromMacManagement {
		mm := s.MacManagementPolicy
		bp := func(v *bool) *types.BoolPolicy {
			return &types.BoolPolicy{InheritablePolicy: types.InheritablePolicy{Inherited: mm.Inherited}, Value: v}
		}
		s.SecurityPolicy = &types.DVSSecurityPolicy{
			InheritablePolicy: types.InheritablePolicy{Inherited: mm.Inherited},
			AllowPromiscuous:  bp(mm.AllowPromiscuous),
			MacChanges:        bp(mm.MacChanges),
			ForgedTransmits:   bp(mm.ForgedTransmits),
		}
		return
	}
	sec := s.SecurityPolicy
	mm := types.DVSMacManagementPolicy{}
	if s.MacManagementPolicy != nil {
		mm = *s.MacManagementPolicy
	}
	mm.AllowPromiscuous = sec.AllowPromiscuous.Value
	mm.MacChanges = sec.MacChanges.Value
	mm.ForgedTransmits = sec.ForgedTransmits.Value
	allInherited := sec.AllowPromiscuous.Inherited && sec.MacChanges.Inherited && sec.ForgedTransmits.Inherited
	sec.Inherited = allInherited
	mm.Inherited = allInherited && (mm.MacLearningPolicy == nil || mm.MacLearningPolicy.Inherited)
	s.MacManagementPolicy = &mm
}

// inheritAll is a copy of s in which every policy is marked inherited.
func inheritAll(s *types.VMwareDVSPortSetting) *types.VMwareDVSPortSetting {
	c := clone(s)
	markInherited(reflect.ValueOf(c).Elem())
	return c
}

// markInherited sets Inherited on v (a struct) and everything in it.
func markInherited(v reflect.Value) {
	if f := v.FieldByName("Inherited"); f.IsValid() && f.Kind() == reflect.Bool {
		f.SetBool(true)
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Ptr, reflect.Interface:
			if !f.IsNil() && f.Elem().Kind() == reflect.Ptr && f.Elem().Elem().Kind() == reflect.Struct {
				markInherited(f.Elem().Elem())
			} else if f.Kind() == reflect.Ptr && !f.IsNil() && f.Elem().Kind() == reflect.Struct {
				markInherited(f.Elem())
			}
		case reflect.Struct:
			if v.Type().Field(i).Anonymous {
				markInherited(f)
			}
		}
	}
}

// resolveInherited replaces each policy of v marked inherited by parent's
// value (still marked inherited), recursing into the others.
func resolveInherited(v, parent reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f, pf := v.Field(i), parent.Field(i)
		if v.Type().Field(i).Anonymous && f.Kind() == reflect.Struct {
			resolveInherited(f, pf) // VMwareDVSPortSetting embeds DVPortSetting's policies
			continue
		}
		if f.Kind() != reflect.Ptr && f.Kind() != reflect.Interface {
			continue
		}
		if f.IsNil() || pf.IsNil() {
			continue
		}
		elem, pelem := f, pf
		if f.Kind() == reflect.Interface {
			elem, pelem = f.Elem(), pf.Elem()
			if elem.Type() != pelem.Type() {
				continue
			}
		}
		if elem.Elem().Kind() != reflect.Struct {
			continue
		}
		if inh := elem.Elem().FieldByName("Inherited"); inh.IsValid() && inh.Bool() {
			c := cloneValue(pelem)
			markInherited(c.Elem())
			f.Set(c)
			continue
		}
		resolveInherited(elem.Elem(), pelem.Elem())
	}
}

// mergeInto copies into dst (a struct) every field src sets: nil pointers,
// interfaces and slices, and empty optional (omitempty) values, are "not
// sent" and leave dst as it is; structs merge field by field.
func mergeInto(dst, src reflect.Value) {
	t := src.Type()
	for i := 0; i < src.NumField(); i++ {
		sf, df, field := src.Field(i), dst.Field(i), t.Field(i)
		switch sf.Kind() {
		case reflect.Ptr:
			if sf.IsNil() {
				continue
			}
			if sf.Elem().Kind() == reflect.Struct && !df.IsNil() {
				c := cloneValue(df)
				mergeInto(c.Elem(), sf.Elem())
				df.Set(c)
			} else {
				df.Set(cloneValue(sf))
			}
		case reflect.Interface:
			if sf.IsNil() {
				continue
			}
			if !df.IsNil() && df.Elem().Type() == sf.Elem().Type() && sf.Elem().Kind() == reflect.Ptr {
				c := cloneValue(df.Elem())
				mergeInto(c.Elem(), sf.Elem().Elem())
				df.Set(c)
			} else {
				df.Set(cloneValue(sf.Elem()))
			}
		case reflect.Slice:
			if !sf.IsNil() {
				df.Set(cloneValue(sf))
			}
		case reflect.Struct:
			if field.Anonymous {
				mergeInto(df, sf)
			} else {
				df.Set(cloneValue(sf))
			}
		default:
			if strings.Contains(field.Tag.Get("xml"), "omitempty") && sf.IsZero() {
				continue
			}
			df.Set(sf)
		}
	}
}

func mergeIntoPtr[T any](dst, src *T) {
	mergeInto(reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem())
}

func clone[T any](v T) T {
	return cloneValue(reflect.ValueOf(v)).Interface().(T)
}

// cloneValue deep-copies pointers, interfaces, slices and structs, so that
// a merged setting shares nothing with the spec a client sent.
func cloneValue(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type().Elem())
		c.Elem().Set(cloneValue(v.Elem()))
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(cloneValue(v.Elem()))
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			c.Index(i).Set(cloneValue(v.Index(i)))
		}
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v) // unexported fields (time.Time's) are values: copied as they are
		for i := 0; i < v.NumField(); i++ {
			if c.Field(i).CanSet() {
				c.Field(i).Set(cloneValue(v.Field(i)))
			}
		}
		return c
	default:
		return v
	}
}
