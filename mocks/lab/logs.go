package main

// Host logs: realistic, unrelated filler lines followed by the scenario's
// lines verbatim. Filler is computed from its line number on demand, so
// 500 hosts with thousands of lines each cost no memory.

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type diagnosticLog struct {
	seed      string
	filler    int
	templates []string
	vmkernel  bool // vmkernel lines carry "cpuN:world)" before the message
	esx8      bool // and ESXi 8's syslog "In(182) vmkernel: " before that
	// Filler line n (from 1) is stamped start + (n-1)*step plus a jitter
	// below step: oldest first, never out of order.
	start time.Time
	step  time.Duration
	lines []string // the scenario's, then what the lab appends
}

// Filler templates take four values, by index: [1] and [3] large, [2]
// below 100000, [4] below 8.
var vmkernelTemplates = []string{
	`ScsiDeviceIO: 4325: Cmd(0x45b8%08[1]x) 0x85, CmdSN 0x%[2]x from world %[3]d to dev "naa.600508b1001c%08[1]x" failed H:0x0 D:0x2 P:0x0 Valid sense data: 0x5 0x20 0x0.`,
	`NMP: nmp_ThrottleLogForDevice:3856: Cmd 0x1a (0x45b8%08[1]x, %[2]d) to dev "mpx.vmhba32:C0:T0:L0" on path "vmhba32:C0:T0:L0" Failed: H:0x0 D:0x2 P:0x0 Valid sense data: 0x5 0x24 0x0. Act:NONE`,
	`HBX: 3058: 'datastore1': HB at offset 3735552 - Waiting for timed out HB: [HB state abcdef02 offset 3735552 gen %[2]d stampUS %[3]d uuid 65f0a1b2-%08[1]x]`,
	`NetqueueBal: 5032: vmnic%[4]d: new netq module, reset logical space needed`,
	`VSCSI: 2611: handle %[2]d(vscsi0:0):Reset request on FSS handle %[3]d (0 outstanding commands) from (vmm0:%[1]x)`,
	`vmw_ahci[0000001f]: CompletionBottomHalf:Error port=1, PxIS=0x08000000, PxTDF=0x%[4]x,PxSERR=0x00400000, PxCI=0x%[2]x, PxSACT=0x00000000, ActiveTags=0x%[2]x`,
	`NetPort: 1580: disabled port 0x%[3]x`,
	`CpuSched: 830: user latency of %[2]d vmx-vcpu-0 0 changed by %[2]d vmx -6`,
	`World: 12077: VC opID sps-Main-%[2]d-%[4]d-%[1]x maps to vmkernel opID %08[3]x`,
	`DVFilter: 5963: Checking disconnected filters for timeouts`,
	`Tcpip_Vmk: 209: Set default IPv6 gateway on vmk%[4]d`,
	`FSS: 6092: Failed to open file 'hpilo-d0ccb%[4]d'; Requested flags 0x5, world: %[2]d [sfcb-smx], (Existing flags 0x5, world: %[2]d [sfcb-smx]): Busy`,
}

var hostdTemplates = []string{
	`info hostd[%[2]d] [Originator@6876 sub=Vimsvc.TaskManager opID=sps-Main-%[2]d-%[1]x user=vpxuser] Task Created : haTask--vim.SearchIndex.findByUuid-%[3]d`,
	`info hostd[%[2]d] [Originator@6876 sub=Vimsvc.TaskManager opID=sps-Main-%[2]d-%[1]x user=vpxuser] Task Completed : haTask--vim.SearchIndex.findByUuid-%[3]d Status success`,
	`verbose hostd[%[2]d] [Originator@6876 sub=PropertyProvider opID=%[4]d-%[1]x] RecordOp ASSIGN: info, haTask-%[3]d. Applied change to temp map.`,
	`info hostd[%[2]d] [Originator@6876 sub=Solo.Vmomi opID=%[4]d-%[1]x user=root] Activation finished; <<5247-%[3]d>> 'vim.ServiceInstance' 'RetrieveServiceContent'`,
}

// newLog spreads filler lines over the span hours that end when the lab
// started, so that a client reading backwards by time finds them in order
// and can stop at its window; when the scenario's first line carries an
// earlier timestamp the filler ends just before it, keeping the log in time
// order as a real one is.
func newLog(seed string, filler int, vmkernel, esx8 bool, lines []string, started time.Time, span time.Duration) *diagnosticLog {
	lines = stampLines(lines, started)
	templates := hostdTemplates
	if vmkernel {
		templates = vmkernelTemplates
	}
	end := started
	if len(lines) > 0 {
		if t, err := time.Parse(time.RFC3339Nano, strings.SplitN(lines[0], " ", 2)[0]); err == nil && t.Before(end) {
			end = t.Add(-time.Second)
		}
	}
	d := &diagnosticLog{seed: seed, filler: filler, templates: templates, vmkernel: vmkernel, esx8: esx8, lines: lines}
	if filler > 0 {
		d.step = span / time.Duration(filler)
		d.start = end.Add(-span)
	}
	return d
}

func (d *diagnosticLog) len() int { return d.filler + len(d.lines) }

// began is the time of the log's oldest line (started for an empty log).
func (d *diagnosticLog) began(started time.Time) time.Time {
	oldest := started
	if d.filler > 0 {
		oldest = d.start
	}
	for _, line := range d.lines {
		if t, err := time.Parse(time.RFC3339Nano, strings.SplitN(line, " ", 2)[0]); err == nil && t.Before(oldest) {
			oldest = t
		}
	}
	return oldest
}

// append adds lines at the end, never into the scenario's slice.
func (d *diagnosticLog) append(lines ...string) {
	d.lines = append(d.lines[:len(d.lines):len(d.lines)], lines...)
}

// line is line n, counting from 1.
func (d *diagnosticLog) line(n int) string {
	if n > d.filler {
		return d.lines[n-d.filler-1]
	}
	h := hash32(d.seed + ":" + strconv.Itoa(n))
	at := d.start.Add(time.Duration(n-1)*d.step + time.Duration(h%1000)*d.step/1000)
	tmpl := d.templates[h%uint32(len(d.templates))]
	msg := tmpl
	if strings.Contains(tmpl, "%") {
		msg = fmt.Sprintf(tmpl, h>>3, (h>>7)%100000, h>>11, h%8)
	}
	if d.vmkernel {
		return vmkernelPrefix(d.esx8, at, int(h%48), 2097152+h%65536) + msg
	}
	return at.UTC().Format("2006-01-02T15:04:05.000Z") + " " + msg
}

// relativeStamp is "{{now}}" or "{{now-90s}}", "{{now-15m}}", "{{now-2h}}",
// "{{now-3d}}" in a scenario line: the lab's start time less that much, in
// ESXi's form, so a scenario's evidence is as recent as a real incident's
// whenever the lab runs.
var relativeStamp = regexp.MustCompile(`\{\{now(?:-(\d+)([smhd]))?\}\}`)

func stampLines(lines []string, started time.Time) []string {
	out := make([]string, len(lines))
	for i, line := range lines {
		out[i] = relativeStamp.ReplaceAllStringFunc(line, func(m string) string {
			parts := relativeStamp.FindStringSubmatch(m)
			at := started
			if parts[1] != "" {
				n, _ := strconv.Atoi(parts[1])
				unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[parts[2]]
				at = started.Add(-time.Duration(n) * unit)
			}
			return at.UTC().Format("2006-01-02T15:04:05.000Z")
		})
	}
	return out
}

func hash32(s string) uint32 {
	f := fnv.New32a()
	f.Write([]byte(s))
	return f.Sum32()
}
