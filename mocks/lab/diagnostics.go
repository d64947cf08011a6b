package main

// DiagnosticManager.QueryDescriptions and BrowseDiagnosticLog, which vcsim
// 0.24 lacks, with the documented semantics:
//
//   - lines are numbered from 1; the header's lineStart/lineEnd are the
//     first and last line of the returned segment, and a start past the end
//     returns no lines with lineEnd = the log's last line (how clients such
//     as govc find the end before tailing: start = lineEnd - N + 1);
//   - the server caps a call at 500 lines (vCenter; ESXi caps at 1000) and
//     an unset lines means "to the end", within that cap;
//   - on vCenter, host selects the host whose logs to read and no host means
//     vCenter's own logs; on ESXi, host may be omitted;
//   - reading logs needs Global.Diagnostics: NoPermission otherwise;
//   - on vCenter, a host's logs come from the host: HostNotConnected or
//     HostNotReachable while it is disconnected or not responding.

import (
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

type diagnosticManager struct {
	mo.DiagnosticManager
	labLocked
}

// logSource is one log of a server; the vCenter's own logs are simulated
// empty.
type logSource struct {
	descriptor types.DiagnosticManagerLogDescriptor
	log        *diagnosticLog
}

func descriptor(key, file, creator, label string) types.DiagnosticManagerLogDescriptor {
	return types.DiagnosticManagerLogDescriptor{
		Key:      key,
		FileName: file,
		Creator:  creator,
		Format:   "plain",
		MimeType: "text/plain",
		Info:     &types.Description{Label: label, Summary: label},
	}
}

// sources lists the logs of the host (nil: the server itself).
func (m *diagnosticManager) sources(ref *types.ManagedObjectReference) ([]logSource, *soap.Fault) {
	l := m.l
	if ref == nil {
		if l.esx {
			return l.dcs[0].hosts[0].logSources(true), nil
		}
		return []logSource{{descriptor: descriptor("vpxd:vpxd.log", "/var/log/vmware/vpxd/vpxd.log", "vpxd", "vCenter Server log"), log: &diagnosticLog{}}}, nil
	}
	h := l.hosts[*ref]
	if h == nil {
		return nil, simulator.Fault("", &types.ManagedObjectNotFound{Obj: *ref})
	}
	if !h.diagnosticLogs {
		return nil, simulator.Fault("Permission to perform this operation was denied.", &types.NoPermission{Object: h.obj.Self, PrivilegeId: "Global.Diagnostics"})
	}
	// vCenter reads a host's logs from the host: HostNotConnected ("a method needs to communicate with a host
	// that has been disconnected") or HostNotReachable while it cannot.
	if fault := h.unreachable(); fault != nil {
		return nil, fault
	}
	return h.logSources(l.esx), nil
}

func (h *host) logSources(esx bool) []logSource {
	out := []logSource{
		{descriptor("hostd", "/var/run/log/hostd.log", "hostd", "Server log"), h.hostdLog},
		{descriptor("vmkernel", "/var/run/log/vmkernel.log", "vmkernel", "VMkernel log"), h.log},
	}
	if !esx {
		out = append(out, logSource{descriptor("vpxa", "/var/run/log/vpxa.log", "vpxa", "vCenter agent log"), &diagnosticLog{}})
	}
	return out
}

func (m *diagnosticManager) QueryDescriptions(req *types.QueryDescriptions) soap.HasFault {
	body := &methods.QueryDescriptionsBody{}
	sources, fault := m.sources(req.Host)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	var out []types.DiagnosticManagerLogDescriptor
	for _, s := range sources {
		out = append(out, s.descriptor)
	}
	body.Res = &types.QueryDescriptionsResponse{Returnval: out}
	return body
}

func (m *diagnosticManager) BrowseDiagnosticLog(req *types.BrowseDiagnosticLog) soap.HasFault {
	body := &methods.BrowseDiagnosticLogBody{}
	sources, fault := m.sources(req.Host)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	var log *diagnosticLog
	for _, s := range sources {
		if s.descriptor.Key == req.Key {
			log = s.log
		}
	}
	if log == nil {
		body.Fault_ = simulator.Fault("A specified parameter was not correct: key", &types.InvalidArgument{InvalidProperty: "key"})
		return body
	}
	if req.Start < 0 || req.Lines < 0 {
		body.Fault_ = simulator.Fault("A specified parameter was not correct: start, lines", &types.InvalidArgument{InvalidProperty: "lines"})
		return body
	}
	max := int32(500)
	if m.l.esx {
		max = 1000
	}
	lines := req.Lines
	if lines == 0 || lines > max {
		lines = max
	}
	start := req.Start
	if start == 0 {
		start = 1 // unset: from the top
	}
	body.Res = &types.BrowseDiagnosticLogResponse{Returnval: log.browse(start, lines)}
	return body
}

func (d *diagnosticLog) browse(start, lines int32) types.DiagnosticManagerLogHeader {
	total := int32(d.len())
	if start > total {
		return types.DiagnosticManagerLogHeader{LineStart: start, LineEnd: total}
	}
	end := start + lines - 1
	if end > total {
		end = total
	}
	text := make([]string, 0, end-start+1)
	for n := start; n <= end; n++ {
		text = append(text, d.line(int(n)))
	}
	return types.DiagnosticManagerLogHeader{LineStart: start, LineEnd: end, LineText: text}
}
