package main

// GET /lab/state: the network configuration as govmomi itself reads it
// through the PropertyCollector (an in-process client, so these reads are
// not recorded as calls), for tests to compare before and after a change
// independently of the client under test.

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func readState(ctx context.Context, c *vim25.Client) (map[string]interface{}, error) {
	v, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, nil, true)
	if err != nil {
		return nil, err
	}
	defer func() { _ = v.Destroy(ctx) }()

	var hosts []mo.HostSystem
	var switches []mo.VmwareDistributedVirtualSwitch
	var portgroups []mo.DistributedVirtualPortgroup
	var vms []mo.VirtualMachine
	for _, r := range []struct {
		kind  string
		props []string
		dst   interface{}
	}{
		{"HostSystem", []string{"name", "config.network"}, &hosts},
		{"VmwareDistributedVirtualSwitch", []string{"name", "config"}, &switches},
		{"DistributedVirtualPortgroup", []string{"name", "config"}, &portgroups},
		{"VirtualMachine", []string{"name", "config.hardware.device"}, &vms},
	} {
		if err := v.Retrieve(ctx, []string{r.kind}, r.props, r.dst); err != nil {
			return nil, err
		}
	}

	state := map[string]interface{}{}
	var out []map[string]interface{}
	for _, h := range hosts {
		var info interface{}
		if h.Config != nil {
			info = vimJSON(reflect.ValueOf(h.Config.Network))
		}
		out = append(out, entry(h.Name, h.Self, "networkInfo", info))
	}
	state["hosts"] = sorted(out)
	out = nil
	for _, s := range switches {
		var setting interface{}
		if s.Config != nil {
			setting = vimJSON(reflect.ValueOf(s.Config.GetDVSConfigInfo().DefaultPortConfig))
		}
		e := entry(s.Name, s.Self, "defaultPortConfig", setting)
		e["uuid"] = s.Uuid
		out = append(out, e)
	}
	state["dvSwitches"] = sorted(out)
	out = nil
	for _, pg := range portgroups {
		out = append(out, entry(pg.Name, pg.Self, "config", vimJSON(reflect.ValueOf(pg.Config))))
	}
	state["dvPortgroups"] = sorted(out)
	out = nil
	for _, vm := range vms {
		var cards []interface{}
		if vm.Config != nil {
			for _, d := range vm.Config.Hardware.Device {
				if _, ok := d.(types.BaseVirtualEthernetCard); ok {
					cards = append(cards, vimJSON(reflect.ValueOf(d)))
				}
			}
		}
		out = append(out, entry(vm.Name, vm.Self, "nics", cards))
	}
	state["vms"] = sorted(out)
	return state, nil
}

func entry(name string, ref types.ManagedObjectReference, key string, val interface{}) map[string]interface{} {
	return map[string]interface{}{"name": name, "moref": ref.Value, key: val}
}

func sorted(list []map[string]interface{}) []map[string]interface{} {
	sort.SliceStable(list, func(i, j int) bool { return list[i]["name"].(string) < list[j]["name"].(string) })
	if list == nil {
		return []map[string]interface{}{}
	}
	return list
}

var (
	morefType = reflect.TypeOf(types.ManagedObjectReference{})
	timeType  = reflect.TypeOf(time.Time{})
)

// vimJSON converts a vim25 value to what the vSphere JSON API would show:
// wire (XML) field names, "_typeName" on every data object, unset optional
// fields left out.
func vimJSON(v reflect.Value) interface{} {
	switch v.Kind() {
	case reflect.Ptr, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return vimJSON(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]interface{}, v.Len())
		for i := range out {
			out[i] = vimJSON(v.Index(i))
		}
		return out
	case reflect.Struct:
		switch v.Type() {
		case morefType:
			ref := v.Interface().(types.ManagedObjectReference)
			return map[string]string{"type": ref.Type, "value": ref.Value}
		case timeType:
			return v.Interface().(time.Time).UTC().Format(time.RFC3339Nano)
		}
		out := map[string]interface{}{"_typeName": v.Type().Name()}
		addFields(out, v)
		return out
	default:
		return v.Interface()
	}
}

func addFields(out map[string]interface{}, v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			addFields(out, v.Field(i))
			continue
		}
		tag := strings.Split(f.Tag.Get("xml"), ",")
		if tag[0] == "" || tag[0] == "-" {
			continue
		}
		fv := v.Field(i)
		omitEmpty := len(tag) > 1 && strings.Contains(f.Tag.Get("xml"), "omitempty")
		if (omitEmpty && fv.IsZero()) || ((fv.Kind() == reflect.Ptr || fv.Kind() == reflect.Interface || fv.Kind() == reflect.Slice) && fv.IsNil()) {
			continue
		}
		out[tag[0]] = vimJSON(fv)
	}
}
