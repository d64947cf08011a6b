#!/usr/bin/python3
"""What admins use instead of vmfix: a pyvmomi script doing the same reads.

Default (well written): one ContainerView and one paged RetrievePropertiesEx
for exactly the properties vmfix reads, the vmkernel logs of the last 7 days
(vmfix's default window, read backwards from each log's end as vmfix does)
through BrowseDiagnosticLog with 8 hosts at once, FetchDVPorts once per DVS;
then a light audit (guest MAC mismatches, L2Sec log lines, blocked dvPorts).

--naive: what a script written from the first pyvmomi examples does: walk
the objects of a ContainerView and read properties as attributes (one
PropertyCollector call per attribute, whole `config`/`guest` objects),
hosts one after another.

Env: VMFIX_VCENTER (https://host:port/sdk), VMFIX_USER, VMFIX_PASSWORD,
VMFIX_CA_FILE. Prints {"phases": {name: seconds}, "totalS", "counts"} as JSON.
"""
import json
import os
import re
import ssl
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

warnings.simplefilter("ignore")  # pyvmomi 6.7 on Python 3.11 warns at import
from pyVim.connect import Connect, Disconnect  # noqa: E402
from pyVmomi import vim, vmodl  # noqa: E402

WINDOW = timedelta(days=7)
LOG_LINES = 100000  # vmfix's --log-lines cap
LOG_PAGE = 500
ISO_HEAD = re.compile(r"^(?:<\d{1,3}>(?:1 )?)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")
CONCURRENCY = 8
L2SEC = re.compile(r"L2Sec_EnforcePortCompliance.*(requested mac address change|policy violations|not allowed to change)")

PROPERTIES = [
    (vim.Folder, ["name", "parent"]),
    (vim.Datacenter, ["name", "parent"]),
    (vim.ComputeResource, ["name", "parent"]),
    (vim.HostSystem, ["name", "parent", "config.product.version", "config.product.build", "runtime.connectionState",
                      "configManager.networkSystem", "config.network.vswitch", "config.network.portgroup"]),
    (vim.DistributedVirtualSwitch, ["name", "parent", "uuid", "summary.productInfo.version", "config.defaultPortConfig",
                                    "capability.featuresSupported"]),
    (vim.dvs.DistributedVirtualPortgroup, ["name", "config"]),
    (vim.VirtualMachine, ["name", "config.template", "config.guestId", "runtime.host", "runtime.powerState",
                          "guest.toolsRunningStatus", "guest.net", "config.hardware.device"]),
]


def connect():
    url = urlparse(os.environ["VMFIX_VCENTER"])
    context = ssl.create_default_context(cafile=os.environ["VMFIX_CA_FILE"])
    # SmartConnect would first ask /sdk/vimServiceVersions.xml, which the lab does not serve.
    return Connect(host=url.hostname, port=url.port or 443, user=os.environ["VMFIX_USER"],
                   pwd=os.environ["VMFIX_PASSWORD"], sslContext=context, version="vim.version.version13")


def retrieve_all(content):
    """{moref: (object, {path: value})} for every object of PROPERTIES' types, one paged retrieval."""
    view = content.viewManager.CreateContainerView(content.rootFolder, [t for t, _ in PROPERTIES], True)
    pc = vmodl.query.PropertyCollector
    spec = pc.FilterSpec(
        objectSet=[pc.ObjectSpec(obj=view, skip=True, selectSet=[
            pc.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)])],
        propSet=[pc.PropertySpec(type=t, pathSet=paths) for t, paths in PROPERTIES])
    collector = content.propertyCollector
    objects = {}
    result = collector.RetrievePropertiesEx([spec], pc.RetrieveOptions(maxObjects=1000))
    while result:
        for o in result.objects:
            objects[o.obj._moId] = (o.obj, {p.name: p.val for p in o.propSet})
        result = collector.ContinueRetrievePropertiesEx(result.token) if result.token else None
    view.Destroy()
    return objects


def log_tail(manager, host, concurrency_note=None):
    """L2Sec lines of the last 7 days of the host's vmkernel log, read backwards in pages from its end."""
    end = manager.BrowseDiagnosticLog(host=host, key="vmkernel", start=2**31 - 1, lines=0).lineEnd
    since = (datetime.now(timezone.utc) - WINDOW).strftime("%Y-%m-%dT%H:%M:%S")
    hits = []
    read = 0
    while end >= 1 and read < LOG_LINES:
        count = min(LOG_PAGE, end)
        lines = manager.BrowseDiagnosticLog(host=host, key="vmkernel", start=end - count + 1, lines=count).lineText or []
        if not lines:
            break
        hits.extend(line for line in lines if L2SEC.search(line))
        read += len(lines)
        end -= len(lines)
        first = next((m.group(1) for m in map(ISO_HEAD.match, lines) if m), None)
        if first is not None and first < since:
            break
    return hits


def well_written(si, phases):
    content = si.content
    t = time.perf_counter()
    objects = retrieve_all(content)
    phases["inventory"] = time.perf_counter() - t

    hosts = [(o, p) for o, p in objects.values() if isinstance(o, vim.HostSystem)]
    switches = [o for o, _ in objects.values() if isinstance(o, vim.DistributedVirtualSwitch)]
    vms = [p for o, p in objects.values() if isinstance(o, vim.VirtualMachine) and not p.get("config.template")]

    t = time.perf_counter()
    connected = [o for o, p in hosts if p.get("runtime.connectionState") == "connected"]
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        logs = pool.map(lambda h: log_tail(content.diagnosticManager, h), connected)
        log_hits = sum(len(h) for h in logs)
    phases["logs"] = time.perf_counter() - t

    t = time.perf_counter()
    criteria = vim.dvs.PortCriteria(connected=True, uplinkPort=False)
    blocked = 0
    for dvs in switches:
        for port in dvs.FetchDVPorts(criteria):
            if port.state and port.state.runtimeInfo and port.state.runtimeInfo.blocked:
                blocked += 1
    phases["dvPorts"] = time.perf_counter() - t

    t = time.perf_counter()
    mismatches = 0
    for vm in vms:
        configured = {d.key: (d.macAddress or "").lower() for d in vm.get("config.hardware.device") or []
                      if isinstance(d, vim.vm.device.VirtualEthernetCard)}
        for nic in vm.get("guest.net") or []:
            if nic.deviceConfigId in configured and (nic.macAddress or "").lower() != configured[nic.deviceConfigId]:
                mismatches += 1
    phases["audit"] = time.perf_counter() - t
    return {"vms": len(vms), "hosts": len(hosts), "logHits": log_hits, "blockedPorts": blocked, "guestMacMismatches": mismatches}


def naive(si, phases):
    content = si.content
    t = time.perf_counter()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    hosts = []
    for host in view.view:
        config = host.config
        hosts.append((host, host.name, host.runtime.connectionState, config.network.vswitch, config.network.portgroup))
    view.Destroy()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vms = []
    for vm in view.view:
        if vm.config.template:
            continue
        nics = [d for d in vm.config.hardware.device if isinstance(d, vim.vm.device.VirtualEthernetCard)]
        vms.append((vm.name, vm.runtime.host.name, vm.runtime.powerState, nics, vm.guest.net))
    view.Destroy()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.DistributedVirtualSwitch], True)
    switches = list(view.view)
    view.Destroy()
    phases["inventory"] = time.perf_counter() - t

    t = time.perf_counter()
    log_hits = sum(len(log_tail(content.diagnosticManager, host)) for host, _, state, _, _ in hosts if state == "connected")
    phases["logs"] = time.perf_counter() - t

    t = time.perf_counter()
    blocked = sum(1 for dvs in switches for port in dvs.FetchDVPorts()
                  if port.state and port.state.runtimeInfo and port.state.runtimeInfo.blocked)
    phases["dvPorts"] = time.perf_counter() - t

    t = time.perf_counter()
    mismatches = 0
    for _, _, _, nics, guest_net in vms:
        configured = {d.key: (d.macAddress or "").lower() for d in nics}
        mismatches += sum(1 for n in guest_net or [] if n.deviceConfigId in configured
                          and (n.macAddress or "").lower() != configured[n.deviceConfigId])
    phases["audit"] = time.perf_counter() - t
    return {"vms": len(vms), "hosts": len(hosts), "logHits": log_hits, "blockedPorts": blocked, "guestMacMismatches": mismatches}


def main():
    phases = {}
    start = time.perf_counter()
    si = connect()
    phases["login"] = time.perf_counter() - start
    try:
        counts = (naive if "--naive" in sys.argv else well_written)(si, phases)
    finally:
        Disconnect(si)
    print(json.dumps({"phases": phases, "totalS": time.perf_counter() - start, "counts": counts}))


if __name__ == "__main__":
    main()
