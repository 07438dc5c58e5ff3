-- SPDX-License-Identifier: Apache-2.0
--
-- nvgre.lua: an NVGRE (RFC 7637) dissector for Wireshark and tshark, which
-- have none (up to 4.0 at least: they show GRE, protocol 0x6558 and a
-- 32-bit key).  With it, an NVGRE packet reads
--
--   Ethernet / IP (PA -> PA) / GRE / NVGRE / Ethernet / IP (CA -> CA) / ...
--
-- where the NVGRE layer splits the GRE key into its two fields:
--
--   nvgre.vsid    the Virtual Subnet ID, the key's top 24 bits
--   nvgre.flowid  the FlowID, its low 8 bits (entropy, or 0)
--
-- and flags a VSID the RFC reserves (0..4095 and 0xFFFFFF) with an expert
-- warning (nvgre.vsid.reserved).  Filters: `nvgre`, `nvgre.vsid == 6000`.
--
-- Use:  tshark -X lua_script:/usr/local/share/openhnv/nvgre.lua -r f.pcap
-- or copy the file into a plugin folder (~/.local/lib/wireshark/plugins/)
-- where Wireshark loads it at start.  As root (tshark -i in a script),
-- Wireshark runs Lua scripts only if its init.lua says so
-- (run_user_scripts_when_superuser, true in Debian's); doc/wireshark.md.
--
-- How it hooks in.  The key lives in the GRE header, which the stock GRE
-- dissector reads; it then hands only the payload (the inner frame) to
-- the dissector registered in the "gre.proto" table for the protocol type,
-- 0x6558 (Transparent Ethernet Bridging: Ethernet without FCS).  This file
-- takes that table's 0x6558 entry and keeps the previous dissector.  For
-- each payload it reads back what the GRE dissector has just put in the
-- tree: the last gre.flags_and_version and gre.key of the packet belong to
-- the GRE header right in front of this payload (the GRE dissector adds
-- them before it calls the payload's dissector, and an outer GRE layer's
-- come earlier).  If that header is exactly NVGRE's (flags/version 0x2000:
-- K set, C, S and version 0; RFC 7637 section 3.2), it adds the NVGRE
-- layer, whose fields point at the key's 4 bytes, then calls the previous
-- dissector on the inner frame; otherwise it just calls the previous
-- dissector (plain GRE with TEB stays as it was).
--
-- Why not take over IP protocol 47 and decode the GRE header here: the
-- stock GRE layer would vanish from NVGRE packets, and with it every
-- `gre` and `gre.key` filter users (and this project's tests) rely on;
-- and GRE's corner cases (checksum, sequence, version 1, ERSPAN, WCCP)
-- would need either a copy of its logic or a fall-back path.  A
-- post-dissector would see gre.key too, but its layer lands at the bottom
-- of the tree, after the inner frame, with nested tunnels mixed up.
--
-- One visible trace of the hook: frame.protocols names nvgre for every
-- GRE payload of type 0x6558 (the table entry is this dissector's), also
-- where the header is not NVGRE's; the nvgre protocol and its fields are
-- only there where it is.  If a protocol named nvgre exists already (a
-- future Wireshark's own, or this file loaded twice), the file does
-- nothing.

local have, other = pcall(Dissector.get, "nvgre")
if have and other then
	return
end

local nvgre = Proto("nvgre", "Network Virtualization using GRE (NVGRE)")

local f_vsid = ProtoField.uint32("nvgre.vsid", "Virtual Subnet ID (VSID)",
	base.DEC, nil, 0xffffff00)
local f_flowid = ProtoField.uint32("nvgre.flowid", "FlowID", base.DEC,
	nil, 0x000000ff)
nvgre.fields = { f_vsid, f_flowid }

local e_reserved = ProtoExpert.new("nvgre.vsid.reserved",
	"Reserved VSID (RFC 7637: 0..4095 and 0xFFFFFF are reserved)",
	expert.group.PROTOCOL, expert.severity.WARN)
nvgre.experts = { e_reserved }

local gre_flags = Field.new("gre.flags_and_version")
local gre_key = Field.new("gre.key")

local GRE_NVGRE_FLAGS = 0x2000	-- K only, version 0
local ETH_TYPE_TEB = 0x6558

local gre_proto = DissectorTable.get("gre.proto")
local inner = gre_proto:get_dissector(ETH_TYPE_TEB) or
	Dissector.get("eth_withoutfcs")

-- The last occurrence of a field in the packet so far, or nil.
local function last(field)
	local all = { field() }
	return all[#all]
end

-- The previous dissector on the inner frame.  A malformed inner frame
-- makes Dissector:call mark the packet [Malformed Packet], as usual, and
-- then raise a Lua error on top ("Dissector_call: Malformed frame"): the
-- marking is the whole story, so the error is dropped.
local function call_inner(tvb, pinfo, tree)
	local ok, n = pcall(inner.call, inner, tvb, pinfo, tree)
	if ok then
		return n
	end
	return tvb:len()
end

function nvgre.dissector(tvb, pinfo, tree)
	local flags = last(gre_flags)
	local key = last(gre_key)
	if flags == nil or key == nil or flags.value ~= GRE_NVGRE_FLAGS or
	    key.len ~= 4 then
		return call_inner(tvb, pinfo, tree)
	end
	local kr = key.range
	local vsid = math.floor(key.value / 256)
	local flowid = key.value % 256
	local t = tree:add(nvgre, kr)
	t:append_text(string.format(", VSID: %d, FlowID: %d", vsid, flowid))
	local vi = t:add(f_vsid, kr)
	if vsid < 4096 or vsid == 0xffffff then
		vi:add_proto_expert_info(e_reserved)
	end
	t:add(f_flowid, kr)
	return call_inner(tvb, pinfo, tree)
end

gre_proto:add(ETH_TYPE_TEB, nvgre)
