// Command schemagen writes src/vsphere/schema.json: the vim25 types vmfix
// reads or writes, with their base type and fields in WSDL order, taken by
// reflection from govmomi's vim25/types (the authoritative list). The SOAP
// codec needs it to know which fields repeat and which concrete type a field
// holds, since the responses themselves only say so for polymorphic values.
//
// Run: GO111MODULE=off GOPATH=/usr/share/gocode go run mocks/schemagen/main.go > src/vsphere/schema.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/vim25/types"
)

// roots are the types vmfix sends or receives; everything reachable from
// them (fields, and every subtype of a field's type) is emitted too.
var roots = []string{
	"ServiceContent", "UserSession", "RetrieveResult", "PropertyFilterSpec", "RetrieveOptions",
	"UpdateSet", "WaitOptions", "TaskInfo", "LocalizedMethodFault", "MethodFault",
	"HostNetworkInfo", "HostPortGroupSpec", "HostVirtualSwitchSpec", "AboutInfo",
	"VMwareDVSConfigInfo", "DVPortgroupConfigInfo", "DVPortgroupConfigSpec", "DistributedVirtualPort",
	"DistributedVirtualSwitchPortCriteria", "DistributedVirtualSwitchProductSpec",
	"VirtualMachineConfigSpec", "GuestNicInfo", "VirtualMachineRuntimeInfo", "GuestInfo",
	"DiagnosticManagerLogHeader", "DiagnosticManagerLogDescriptor", "HostListSummary",
	"HostRuntimeInfo", "DVSFeatureCapability",
}

// methods are the vSphere methods vmfix calls; their XRequestType gives the
// parameters' order and types.
var methods = []string{
	"RetrieveServiceContent", "Login", "Logout", "CurrentTime",
	"RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "CancelRetrievePropertiesEx",
	"CreateContainerView", "DestroyView", "CreateFilter", "DestroyPropertyFilter",
	"WaitForUpdatesEx", "CreatePropertyCollector", "DestroyPropertyCollector",
	"UpdatePortGroup", "UpdateVirtualSwitch", "AddPortGroup", "RemovePortGroup",
	"ReconfigureDVPortgroup_Task", "CreateDVPortgroup_Task", "ReconfigVM_Task", "Destroy_Task",
	"FetchDVPorts", "BrowseDiagnosticLog", "QueryDescriptions",
	"CancelWaitForUpdates", "CreateCollectorForEvents", "QueryEvents", "ReadNextEvents", "ReadPreviousEvents",
	"RewindCollector", "ResetCollector", "SetCollectorPageSize", "DestroyCollector",
}

type field struct {
	Name  string
	Type  string
	Array bool
}

var (
	all     = map[string]reflect.Type{}
	subs    = map[string][]string{}
	baseOf  = map[string]string{}
	timeTyp = reflect.TypeOf(time.Time{})
)

func xsdName(t reflect.Type) string {
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	if t == timeTyp {
		return "dateTime"
	}
	if t.Kind() == reflect.Interface {
		name := t.Name()
		if name == "AnyType" || name == "" {
			return "anyType"
		}
		return strings.TrimPrefix(name, "Base")
	}
	if t.Kind() == reflect.Struct {
		return t.Name()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int8, reflect.Uint8:
		return "byte"
	case reflect.Int16:
		return "short"
	case reflect.Int32:
		return "int"
	case reflect.Int64:
		return "long"
	case reflect.Float32:
		return "float"
	case reflect.Float64:
		return "double"
	case reflect.String:
		return "string" // enums are strings on the wire
	}
	panic(fmt.Sprintf("unmapped kind %s (%s)", t.Kind(), t))
}

// fields returns t's own fields (the embedded base excluded) and its base.
func fields(t reflect.Type) (string, []field) {
	base := ""
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			base = f.Type.Name()
			continue
		}
		tag := strings.Split(f.Tag.Get("xml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		ft := f.Type
		arr := false
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8 {
			arr = true
			ft = ft.Elem()
		}
		name := "base64Binary"
		if !(ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8) {
			name = xsdName(ft)
		}
		out = append(out, field{tag, name, arr})
	}
	return base, out
}

func main() {
	src, err := os.ReadFile("/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types/types.go")
	if err != nil {
		panic(err)
	}
	lookup := types.TypeFunc()
	for _, m := range regexp.MustCompile(`t\["(\w+)"\] = `).FindAllSubmatch(src, -1) {
		name := string(m[1])
		if strings.HasPrefix(name, "ArrayOf") {
			continue // decoded generically: ArrayOfX holds repeated X
		}
		if t, ok := lookup(name); ok && t.Kind() == reflect.Struct {
			all[name] = t
		}
	}
	for name, t := range all {
		if b, _ := fields(t); b != "" {
			baseOf[name] = b
			subs[b] = append(subs[b], name)
		}
	}

	keep := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		t, ok := all[name]
		if !ok || keep[name] {
			return
		}
		keep[name] = true
		if b := baseOf[name]; b != "" {
			visit(b)
		}
		for _, s := range subs[name] {
			visit(s)
		}
		_, fs := fields(t)
		for _, f := range fs {
			visit(f.Type)
		}
	}
	for _, m := range methods {
		roots = append(roots, strings.TrimSuffix(m, "_Task")+"RequestType")
	}
	for _, r := range roots {
		if _, ok := all[r]; !ok {
			panic("unknown root " + r)
		}
		visit(r)
	}

	names := make([]string, 0, len(keep))
	for n := range keep {
		names = append(names, n)
	}
	sort.Strings(names)
	// One line per type keeps the file diffable and cheap to parse:
	// "Type": ["Base", "field:type", "list[]:type", ...]
	fmt.Println("{")
	for i, n := range names {
		b, fs := fields(all[n])
		if b == "DynamicData" || b == "" {
			b = ""
		}
		row := []string{b}
		for _, f := range fs {
			s := f.Name
			if f.Array {
				s += "[]"
			}
			row = append(row, s+":"+f.Type)
		}
		j, _ := json.Marshal(row)
		sep := ","
		if i == len(names)-1 {
			sep = ""
		}
		fmt.Printf("%q:%s%s\n", n, j, sep)
	}
	fmt.Println("}")
}
