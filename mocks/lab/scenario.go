package main

// The scenario file format is specified in mocks/scenarios/README.md. This
// file decodes it, fills in the documented defaults and rejects anything the
// lab could only build by guessing, with one line that says where.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// nullable is a JSON value where "absent" and null mean different things
// (for example a vSwitch policy: absent = the default policy, null = no
// policy at all, as seen on real hosts).
type nullable[T any] struct {
	Set   bool // the key was present
	Null  bool // its value was null
	Value T
}

func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

type scenario struct {
	Mode        string         `json:"mode"`
	Datacenters []scDatacenter `json:"datacenters"`
	// TaskDelayMs keeps each task the lab starts queued this long before it
	// runs, as a busy vCenter does; 0 runs it before the call answers.
	TaskDelayMs int `json:"taskDelayMs"`
}

type scDatacenter struct {
	Name       string       `json:"name"`
	Clusters   []string     `json:"clusters"`
	Hosts      []scHost     `json:"hosts"`
	DvSwitches []scDvSwitch `json:"dvSwitches"`
	VMs        []scVM       `json:"vms"`
}

type scHost struct {
	Name            string          `json:"name"`
	Cluster         string          `json:"cluster"`
	Version         string          `json:"version"`
	Build           string          `json:"build"`
	ConnectionState string          `json:"connectionState"`
	Vswitches       *[]scVswitch    `json:"vswitches"`
	Portgroups      []scPortgroup   `json:"portgroups"`
	VmkernelLog     scLog           `json:"vmkernelLog"`
	DiagnosticLogs  *bool           `json:"diagnosticLogs"`
	NoPermission    []string        `json:"noPermission"`
	DnsConfig       *scDnsConfig    `json:"dnsConfig"`
	VmkernelNics    []scVmkernelNic `json:"vmkernelNics"`
}

// scVmkernelNic is one vmk: its addresses, the services it is selected for
// (VirtualNicManagerNetConfig.nicType) and its TCP/IP stack.
type scVmkernelNic struct {
	IpAddress           string   `json:"ipAddress"`
	IpV6Address         []string `json:"ipV6Address"`
	NicType             []string `json:"nicType"`
	NetStackInstanceKey string   `json:"netStackInstanceKey"`
}

// scDnsConfig is the host's own name (HostDnsConfig), which vCenter's name
// for it need not be: a host added to vCenter by IP address keeps its hostname.
type scDnsConfig struct {
	HostName   string `json:"hostName"`
	DomainName string `json:"domainName"`
}

type scVswitch struct {
	Name     string                   `json:"name"`
	NumPorts int32                    `json:"numPorts"`
	Mtu      int32                    `json:"mtu"`
	Nics     *[]string                `json:"nics"`
	Policy   nullable[scSwitchPolicy] `json:"policy"`
}

type scSwitchPolicy struct {
	AllowPromiscuous bool       `json:"allowPromiscuous"`
	MacChanges       bool       `json:"macChanges"`
	ForgedTransmits  bool       `json:"forgedTransmits"`
	Teaming          *scTeaming `json:"teaming"`
}

type scTeaming struct {
	Policy     string   `json:"policy"`
	ActiveNic  []string `json:"activeNic"`
	StandbyNic []string `json:"standbyNic"`
}

type scPortgroup struct {
	Name    string             `json:"name"`
	Vswitch string             `json:"vswitch"`
	VlanID  int32              `json:"vlanId"`
	Policy  *scPortgroupPolicy `json:"policy"`
}

// scPortgroupPolicy holds overrides only: nil inherits from the vSwitch.
type scPortgroupPolicy struct {
	AllowPromiscuous *bool      `json:"allowPromiscuous"`
	MacChanges       *bool      `json:"macChanges"`
	ForgedTransmits  *bool      `json:"forgedTransmits"`
	Teaming          *scTeaming `json:"teaming"`
	Shaping          *scShaping `json:"shaping"`
}

type scShaping struct {
	Enabled          bool  `json:"enabled"`
	AverageBandwidth int64 `json:"averageBandwidth"`
	PeakBandwidth    int64 `json:"peakBandwidth"`
	BurstSize        int64 `json:"burstSize"`
}

// defaultFiller: the lines a host's vmkernel log holds when a scenario says
// nothing of them (an hour's worth of an idle host's chatter).
const defaultFiller = 40

type scLog struct {
	// Filler is how many unrelated lines come first; unset: defaultFiller,
	// as a real host's vmkernel log is never empty for long.
	Filler *int `json:"filler"`
	// SpanHours is how far back the filler lines go: they end when the
	// lab starts (or just before the first line's own timestamp).
	SpanHours *float64 `json:"spanHours"`
	Lines     []string `json:"lines"`
}

type scDvSwitch struct {
	Name                     string          `json:"name"`
	Version                  string          `json:"version"`
	UUID                     *string         `json:"uuid"`
	Hosts                    []string        `json:"hosts"`
	LegacySecurityPolicyOnly bool            `json:"legacySecurityPolicyOnly"`
	DefaultPortConfig        *scDvsDefaults  `json:"defaultPortConfig"`
	Portgroups               []scDvPortgroup `json:"portgroups"`
	// Hidden: the lab's user holds no role on the switch and its portgroups (permissions.go).
	Hidden bool `json:"hidden"`
}

type scDvsDefaults struct {
	AllowPromiscuous bool           `json:"allowPromiscuous"`
	MacChanges       bool           `json:"macChanges"`
	ForgedTransmits  bool           `json:"forgedTransmits"`
	MacLearning      *scMacLearning `json:"macLearning"`
}

type scMacLearning struct {
	Enabled              bool   `json:"enabled"`
	AllowUnicastFlooding bool   `json:"allowUnicastFlooding"`
	Limit                int32  `json:"limit"`
	LimitPolicy          string `json:"limitPolicy"`
}

type scDvPortgroup struct {
	Name                          string              `json:"name"`
	VlanID                        int32               `json:"vlanId"`
	NumPorts                      *int32              `json:"numPorts"`
	Policy                        *scSecurityOverride `json:"policy"`
	MacLearning                   *scMacLearning      `json:"macLearning"`
	SecurityPolicyOverrideAllowed bool                `json:"securityPolicyOverrideAllowed"`
	MacManagementOverrideAllowed  bool                `json:"macManagementOverrideAllowed"`
	Nsx                           *scNsxSegment       `json:"nsx"`
}

// scNsxSegment makes a dvPortgroup an NSX segment (VDS 7+, backingType
// "nsx"): NSX Manager made it, and ESXi takes "MAC change" from the
// segment's MAC discovery profile, not from the MAC policy vCenter shows.
type scNsxSegment struct {
	MacChange bool `json:"macChange"`
}

// scSecurityOverride: nil inherits from the dvSwitch.
type scSecurityOverride struct {
	AllowPromiscuous *bool `json:"allowPromiscuous"`
	MacChanges       *bool `json:"macChanges"`
	ForgedTransmits  *bool `json:"forgedTransmits"`
}

type scVM struct {
	Name   string `json:"name"`
	Folder string `json:"folder"`
	Host   string `json:"host"`
	// ConnectionState: "" follows the host; orphaned, inaccessible or invalid as vCenter shows such VMs.
	ConnectionState string `json:"connectionState"`
	// NoPermission: property paths the lab's user may not read on this VM (answered in missingSet).
	NoPermission []string `json:"noPermission"`
	// Hidden: the lab's user holds no role on this VM (permissions.go): RetrievePropertiesEx leaves it
	// out, as vCenter's ContainerView does; its dvPorts (FetchDVPorts) still name it as their connectee.
	Hidden      bool    `json:"hidden"`
	PowerState  string  `json:"powerState"`
	ToolsStatus string  `json:"toolsStatus"`
	GuestId     string  `json:"guestId"`
	Nics        []scNic `json:"nics"`
}

type scNic struct {
	Network     string  `json:"network"`
	Type        string  `json:"type"`
	Mac         *string `json:"mac"`
	AddressType string  `json:"addressType"`
	GuestMac    *string `json:"guestMac"`
	Connected   *bool   `json:"connected"`
	PortKey     *string `json:"portKey"`
	Port        *scPort `json:"port"`
}

type scPort struct {
	Blocked      bool   `json:"blocked"`
	StatusDetail string `json:"statusDetail"`
	MacChanges   *bool  `json:"macChanges"`
}

func loadScenario(path string) (*scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	sc.applyDefaults()
	if err := sc.validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &sc, nil
}

func (sc *scenario) esx() bool { return sc.Mode == "esx" }

func (sc *scenario) applyDefaults() {
	if sc.Mode == "" {
		sc.Mode = "vcenter"
	}
	for d := range sc.Datacenters {
		dc := &sc.Datacenters[d]
		for h := range dc.Hosts {
			host := &dc.Hosts[h]
			host.Version = orDefault(host.Version, "8.0.2")
			host.Build = orDefault(host.Build, "22380479")
			host.ConnectionState = orDefault(host.ConnectionState, "connected")
			if host.VmkernelLog.SpanHours == nil {
				host.VmkernelLog.SpanHours = float64Ptr(24)
			}
			if host.VmkernelLog.Filler == nil {
				host.VmkernelLog.Filler = intPtr(defaultFiller)
			}
			if host.DiagnosticLogs == nil {
				host.DiagnosticLogs = boolPtr(true)
			}
			if host.DnsConfig == nil {
				host.DnsConfig = defaultDnsConfig(host.Name)
			}
			if host.VmkernelNics == nil {
				host.VmkernelNics = defaultVmkernelNics(host.Name, d, h)
			}
			for i := range host.VmkernelNics {
				host.VmkernelNics[i].applyDefaults(i)
			}
			if host.Vswitches == nil {
				continue // required: validate says so
			}
			for v := range *host.Vswitches {
				vs := &(*host.Vswitches)[v]
				if vs.NumPorts == 0 {
					vs.NumPorts = 128
				}
				if vs.Mtu == 0 {
					vs.Mtu = 1500
				}
				if vs.Nics == nil {
					vs.Nics = &[]string{"vmnic0"}
				}
				if !vs.Policy.Set {
					vs.Policy = nullable[scSwitchPolicy]{Set: true}
				}
				if !vs.Policy.Null && vs.Policy.Value.Teaming == nil {
					vs.Policy.Value.Teaming = &scTeaming{}
				}
				if t := vs.Policy.Value.Teaming; t != nil {
					t.Policy = orDefault(t.Policy, "loadbalance_srcid")
					if t.ActiveNic == nil {
						t.ActiveNic = *vs.Nics
					}
				}
			}
		}
		for s := range dc.DvSwitches {
			dvs := &dc.DvSwitches[s]
			dvs.Version = orDefault(dvs.Version, "7.0.3")
			if dvs.DefaultPortConfig == nil {
				dvs.DefaultPortConfig = &scDvsDefaults{}
			}
			for p := range dvs.Portgroups {
				pg := &dvs.Portgroups[p]
				if pg.NumPorts == nil {
					pg.NumPorts = int32Ptr(8)
				}
				if pg.Policy == nil {
					pg.Policy = &scSecurityOverride{}
				}
			}
		}
		for v := range dc.VMs {
			vm := &dc.VMs[v]
			vm.PowerState = orDefault(vm.PowerState, "poweredOn")
			vm.ToolsStatus = orDefault(vm.ToolsStatus, "toolsOk")
			vm.GuestId = orDefault(vm.GuestId, "ubuntu64Guest")
			for n := range vm.Nics {
				nic := &vm.Nics[n]
				nic.Type = orDefault(nic.Type, "vmxnet3")
				if sc.esx() {
					nic.AddressType = orDefault(nic.AddressType, "generated")
				} else {
					nic.AddressType = orDefault(nic.AddressType, "assigned")
				}
				if nic.Connected == nil {
					nic.Connected = boolPtr(true)
				}
			}
		}
	}
}

// validate rejects, one problem per error, what applyDefaults cannot make
// sense of. Names follow vCenter's uniqueness rules: a host name is unique in
// the vCenter, the rest within their datacenter (a dvPortgroup shares the
// network folder with the standard networks, so it may not reuse their names).
func (sc *scenario) validate() error {
	if sc.Mode != "vcenter" && sc.Mode != "esx" {
		return fmt.Errorf(`mode %q: must be "vcenter" or "esx"`, sc.Mode)
	}
	if len(sc.Datacenters) == 0 {
		return fmt.Errorf("datacenters: at least one is required")
	}
	if sc.esx() {
		if len(sc.Datacenters) != 1 {
			return fmt.Errorf(`mode "esx": exactly one datacenter, got %d`, len(sc.Datacenters))
		}
		dc := sc.Datacenters[0]
		if len(dc.Hosts) != 1 {
			return fmt.Errorf(`mode "esx": exactly one host, got %d`, len(dc.Hosts))
		}
		if len(dc.DvSwitches) != 0 || len(dc.Clusters) != 0 {
			return fmt.Errorf(`mode "esx": a standalone host has no dvSwitches and no clusters`)
		}
	}
	hostNames := map[string]bool{}
	dcNames := map[string]bool{}
	for d, dc := range sc.Datacenters {
		where := fmt.Sprintf("datacenters[%d]", d)
		if dc.Name == "" {
			return fmt.Errorf("%s: name is required", where)
		}
		if dcNames[dc.Name] {
			return fmt.Errorf("%s: duplicate datacenter name %q", where, dc.Name)
		}
		dcNames[dc.Name] = true
		where = fmt.Sprintf("datacenter %q", dc.Name)
		if err := dc.validate(where, hostNames); err != nil {
			return err
		}
	}
	return nil
}

func (dc *scDatacenter) validate(where string, hostNames map[string]bool) error {
	clusters := map[string]bool{}
	for _, c := range dc.Clusters {
		if c == "" || clusters[c] {
			return fmt.Errorf("%s: cluster name %q is empty or duplicate", where, c)
		}
		clusters[c] = true
	}
	// stdNets: standard portgroup names on each host; they become the
	// datacenter's Network objects.
	stdNets := map[string]map[string]bool{}
	anyStd := map[string]bool{}
	for h, host := range dc.Hosts {
		if host.Name == "" {
			return fmt.Errorf("%s: hosts[%d]: name is required", where, h)
		}
		hw := fmt.Sprintf("%s: host %q", where, host.Name)
		if hostNames[host.Name] {
			return fmt.Errorf("%s: duplicate host name", hw)
		}
		hostNames[host.Name] = true
		if host.Cluster != "" && !clusters[host.Cluster] {
			return fmt.Errorf("%s: unknown cluster %q", hw, host.Cluster)
		}
		if !oneOf(host.ConnectionState, "connected", "disconnected", "notResponding") {
			return fmt.Errorf("%s: connectionState %q: must be connected, disconnected or notResponding", hw, host.ConnectionState)
		}
		if *host.VmkernelLog.Filler < 0 {
			return fmt.Errorf("%s: vmkernelLog.filler must not be negative", hw)
		}
		if *host.VmkernelLog.SpanHours <= 0 {
			return fmt.Errorf("%s: vmkernelLog.spanHours must be positive", hw)
		}
		for i := range host.VmkernelNics {
			if err := host.VmkernelNics[i].validate(fmt.Sprintf("%s: vmkernelNics[%d]", hw, i)); err != nil {
				return err
			}
		}
		nets, err := host.validateNetworking(hw)
		if err != nil {
			return err
		}
		stdNets[host.Name] = nets
		for n := range nets {
			anyStd[n] = true
		}
	}
	dvpgs := map[string]*scDvSwitch{}
	dvsNames := map[string]bool{}
	for s := range dc.DvSwitches {
		dvs := &dc.DvSwitches[s]
		if dvs.Name == "" {
			return fmt.Errorf("%s: dvSwitches[%d]: name is required", where, s)
		}
		sw := fmt.Sprintf("%s: dvSwitch %q", where, dvs.Name)
		if dvsNames[dvs.Name] {
			return fmt.Errorf("%s: duplicate dvSwitch name", sw)
		}
		dvsNames[dvs.Name] = true
		if dvs.UUID != nil && *dvs.UUID == "" {
			return fmt.Errorf("%s: uuid must not be empty (null generates one)", sw)
		}
		members := map[string]bool{}
		for _, h := range dvs.Hosts {
			if _, ok := stdNets[h]; !ok {
				return fmt.Errorf("%s: unknown host %q (not in this datacenter)", sw, h)
			}
			if members[h] {
				return fmt.Errorf("%s: host %q listed twice", sw, h)
			}
			members[h] = true
		}
		if err := validMacLearning(sw+": defaultPortConfig", dvs.DefaultPortConfig.MacLearning, dvs.LegacySecurityPolicyOnly); err != nil {
			return err
		}
		for _, pg := range dvs.Portgroups {
			if pg.Name == "" {
				return fmt.Errorf("%s: a portgroup has no name", sw)
			}
			pw := fmt.Sprintf("%s: portgroup %q", sw, pg.Name)
			if dvpgs[pg.Name] != nil {
				return fmt.Errorf("%s: duplicate dvPortgroup name in the datacenter", pw)
			}
			if anyStd[pg.Name] {
				return fmt.Errorf("%s: a standard portgroup has the same name; vCenter keeps network names unique per network folder", pw)
			}
			dvpgs[pg.Name] = dvs
			if pg.VlanID < 0 || pg.VlanID > 4094 {
				return fmt.Errorf("%s: vlanId %d out of range 0-4094", pw, pg.VlanID)
			}
			if *pg.NumPorts < 0 {
				return fmt.Errorf("%s: numPorts must not be negative", pw)
			}
			if err := validMacLearning(pw, pg.MacLearning, dvs.LegacySecurityPolicyOnly); err != nil {
				return err
			}
			if major, _ := strconv.Atoi(strings.SplitN(dvs.Version, ".", 2)[0]); pg.Nsx != nil && major < 7 {
				return fmt.Errorf("%s: an NSX segment portgroup needs a 7.0+ dvSwitch (version is %s)", pw, dvs.Version)
			}
			if dvs.LegacySecurityPolicyOnly && pg.MacManagementOverrideAllowed {
				return fmt.Errorf("%s: macManagementOverrideAllowed needs a vCenter with macManagementPolicy (legacySecurityPolicyOnly is true)", pw)
			}
		}
	}
	vmNames := map[string]bool{}
	for v, vm := range dc.VMs {
		if vm.Name == "" {
			return fmt.Errorf("%s: vms[%d]: name is required", where, v)
		}
		vw := fmt.Sprintf("%s: vm %q", where, vm.Name)
		// vCenter keeps VM names unique per folder, not per datacenter or host.
		if vmNames[vm.Folder+"/"+vm.Name] {
			return fmt.Errorf("%s: duplicate VM name in the folder", vw)
		}
		vmNames[vm.Folder+"/"+vm.Name] = true
		if !oneOf(vm.ConnectionState, "", "orphaned", "inaccessible", "invalid") {
			return fmt.Errorf("%s: connectionState %q: must be orphaned, inaccessible or invalid (or absent: the host's)", vw, vm.ConnectionState)
		}
		nets, ok := stdNets[vm.Host]
		if !ok {
			return fmt.Errorf("%s: unknown host %q (not in this datacenter)", vw, vm.Host)
		}
		if !oneOf(vm.PowerState, "poweredOn", "poweredOff", "suspended") {
			return fmt.Errorf("%s: powerState %q: must be poweredOn, poweredOff or suspended", vw, vm.PowerState)
		}
		if !oneOf(vm.ToolsStatus, "toolsOk", "toolsOld", "toolsNotRunning", "toolsNotInstalled") {
			return fmt.Errorf("%s: toolsStatus %q: must be toolsOk, toolsOld, toolsNotRunning or toolsNotInstalled", vw, vm.ToolsStatus)
		}
		for n, nic := range vm.Nics {
			nw := fmt.Sprintf("%s: nics[%d]", vw, n)
			if err := nic.validate(nw, vm.Host, nets, dvpgs); err != nil {
				return err
			}
		}
	}
	return nil
}

func (host *scHost) validateNetworking(hw string) (map[string]bool, error) {
	if host.Vswitches == nil {
		return nil, fmt.Errorf("%s: vswitches is required (it may be empty)", hw)
	}
	switches := map[string][]string{}
	for _, vs := range *host.Vswitches {
		if vs.Name == "" {
			return nil, fmt.Errorf("%s: a vswitch has no name", hw)
		}
		vw := fmt.Sprintf("%s: vswitch %q", hw, vs.Name)
		if _, dup := switches[vs.Name]; dup {
			return nil, fmt.Errorf("%s: duplicate vswitch name", vw)
		}
		if vs.NumPorts < 0 || vs.Mtu < 0 {
			return nil, fmt.Errorf("%s: numPorts and mtu must be positive", vw)
		}
		switches[vs.Name] = *vs.Nics
		if !vs.Policy.Null {
			if err := validTeaming(vw+": policy.teaming", vs.Policy.Value.Teaming, *vs.Nics); err != nil {
				return nil, err
			}
		}
	}
	nets := map[string]bool{}
	for _, pg := range host.Portgroups {
		if pg.Name == "" {
			return nil, fmt.Errorf("%s: a portgroup has no name", hw)
		}
		pw := fmt.Sprintf("%s: portgroup %q", hw, pg.Name)
		if nets[pg.Name] {
			return nil, fmt.Errorf("%s: duplicate portgroup name on the host", pw)
		}
		nics, ok := switches[pg.Vswitch]
		if !ok {
			return nil, fmt.Errorf("%s: unknown vswitch %q", pw, pg.Vswitch)
		}
		if pg.VlanID < 0 || pg.VlanID > 4095 {
			return nil, fmt.Errorf("%s: vlanId %d out of range 0-4095", pw, pg.VlanID)
		}
		if pg.Policy != nil {
			if err := validTeaming(pw+": policy.teaming", pg.Policy.Teaming, nics); err != nil {
				return nil, err
			}
		}
		nets[pg.Name] = true
	}
	return nets, nil
}

func validTeaming(where string, t *scTeaming, nics []string) error {
	if t == nil {
		return nil
	}
	if t.Policy != "" && !oneOf(t.Policy, "loadbalance_ip", "loadbalance_srcmac", "loadbalance_srcid", "failover_explicit") {
		return fmt.Errorf("%s: policy %q: must be loadbalance_ip, loadbalance_srcmac, loadbalance_srcid or failover_explicit", where, t.Policy)
	}
	for _, nic := range append(append([]string{}, t.ActiveNic...), t.StandbyNic...) {
		if !oneOf(nic, nics...) {
			return fmt.Errorf("%s: nic %q is not an uplink of the vswitch", where, nic)
		}
	}
	return nil
}

func validMacLearning(where string, ml *scMacLearning, legacy bool) error {
	if ml == nil {
		return nil
	}
	if legacy {
		return fmt.Errorf("%s: macLearning needs macManagementPolicy, which a legacySecurityPolicyOnly vCenter does not have", where)
	}
	if ml.LimitPolicy != "" && !oneOf(ml.LimitPolicy, "ALLOW", "DROP") {
		return fmt.Errorf("%s: macLearning.limitPolicy %q: must be ALLOW or DROP", where, ml.LimitPolicy)
	}
	return nil
}

func (nic *scNic) validate(nw, host string, stdNets map[string]bool, dvpgs map[string]*scDvSwitch) error {
	if !oneOf(nic.Type, "vmxnet3", "e1000", "e1000e") {
		return fmt.Errorf("%s: type %q: must be vmxnet3, e1000 or e1000e", nw, nic.Type)
	}
	if !oneOf(nic.AddressType, "assigned", "generated", "manual") {
		return fmt.Errorf("%s: addressType %q: must be assigned, generated or manual", nw, nic.AddressType)
	}
	if nic.AddressType == "manual" && nic.Mac == nil {
		return fmt.Errorf("%s: addressType manual needs a mac", nw)
	}
	for _, m := range []*string{nic.Mac, nic.GuestMac} {
		if m != nil {
			if err := validUnicastMAC(*m); err != nil {
				return fmt.Errorf("%s: %v", nw, err)
			}
		}
	}
	if nic.Network == "" {
		return fmt.Errorf("%s: network is required", nw)
	}
	if stdNets[nic.Network] {
		if nic.PortKey != nil || nic.Port != nil {
			return fmt.Errorf("%s: portKey and port apply to dvPortgroups only, %q is a standard portgroup", nw, nic.Network)
		}
		return nil
	}
	dvs := dvpgs[nic.Network]
	if dvs == nil {
		return fmt.Errorf("%s: unknown network %q (no such portgroup on host %q nor dvPortgroup in the datacenter)", nw, nic.Network, host)
	}
	if !oneOf(host, dvs.Hosts...) {
		return fmt.Errorf("%s: host %q is not a member of dvSwitch %q that has %q", nw, host, dvs.Name, nic.Network)
	}
	if nic.Port != nil && nic.Port.MacChanges != nil {
		for _, pg := range dvs.Portgroups {
			if pg.Name == nic.Network && !pg.SecurityPolicyOverrideAllowed && !pg.MacManagementOverrideAllowed {
				return fmt.Errorf("%s: port.macChanges overrides the portgroup, which %q does not allow (securityPolicyOverrideAllowed and macManagementOverrideAllowed are false)", nw, nic.Network)
			}
		}
	}
	return nil
}

// validUnicastMAC accepts what vCenter accepts for a manual MAC: six
// colon-separated hex octets, not multicast (low bit of the first octet) and
// not all zeros.
func validUnicastMAC(mac string) error {
	hw, err := parseMAC(mac)
	if err != nil {
		return err
	}
	if hw[0]&1 == 1 {
		return fmt.Errorf("mac %q is a multicast address", mac)
	}
	if hw == [6]byte{} {
		return fmt.Errorf("mac %q is all zeros", mac)
	}
	return nil
}

func parseMAC(mac string) ([6]byte, error) {
	var hw [6]byte
	parts := strings.Split(mac, ":")
	if len(parts) != 6 {
		return hw, fmt.Errorf("mac %q is not of the form xx:xx:xx:xx:xx:xx", mac)
	}
	for i, p := range parts {
		b, err := strconv.ParseUint(p, 16, 8)
		if len(p) != 2 || err != nil {
			return hw, fmt.Errorf("mac %q is not of the form xx:xx:xx:xx:xx:xx", mac)
		}
		hw[i] = byte(b)
	}
	return hw, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func boolPtr(b bool) *bool          { return &b }
func int32Ptr(i int32) *int32       { return &i }
func float64Ptr(f float64) *float64 { return &f }
func intPtr(i int) *int             { return &i }
