package main

import "fmt"

// macAllocator hands out MACs the way vCenter assigns them: unique, in
// VMware's 00:50:56:80:00:00-00:50:56:bf:ff:ff range. Each is derived from a
// seed (the NIC's identity) so that a scenario always gets the same ones.
type macAllocator struct {
	used map[string]bool
}

func (a *macAllocator) generate(seed string) string {
	n := hash32(seed) & 0x3fffff
	for {
		mac := fmt.Sprintf("00:50:56:%02x:%02x:%02x", 0x80|byte(n>>16), byte(n>>8), byte(n))
		if !a.used[mac] {
			a.used[mac] = true
			return mac
		}
		n = (n + 1) & 0x3fffff
	}
}
