--[[
nslab.lua -- Wireshark/tshark dissector for the nslab application header.

Every nslab UDP datagram, and every message in an nslab TCP byte stream,
starts with this 24-byte header (network byte order):

  off size field
    0    2 magic    0x4E53 ("NS")
    2    1 version  1
    3    1 flags    0x01: the payload is a text message (nslab's messages key)
    4    4 app      index of the sending app in the scenario (1-based)
    8    4 seq      datagram/message sequence number (from 0)
   12    4 len      total message length including this header
   16    8 sent     send time, ns of simulated time (signed)
   24  ... payload  (len - 24) zero bytes of padding, or the text

Registration:
  * heuristic dissector on "udp" and "tcp" (any port), and
  * "udp.port"/"tcp.port" for the range in preference nslab.ports (default
    5000-6999), so nslab wins over RSL (TCP 5000), X11 (TCP 6000+), etc.

Load with:  tshark -X lua_script:nslab.lua ...   (see docs/wireshark.md)
Written for Wireshark 4.0 (Lua 5.2).
]]

local HDR_LEN = 24
local MAGIC   = 0x4E53
local VERSION = 1
-- First three header bytes as a Lua string, for plain string.find().
local MAGIC_STR = string.char(0x4E, 0x53, VERSION)
local NS_PER_S  = Int64(1000000000)
-- Info column: list at most this many messages of one TCP segment, then
-- only count the rest.
local INFO_MAX_LISTED = 4

local nslab = Proto("nslab", "nslab Application Header")

local pf = {
    magic   = ProtoField.uint16("nslab.magic", "Magic", base.HEX),
    version = ProtoField.uint8("nslab.version", "Version", base.DEC),
    flags   = ProtoField.uint8("nslab.flags", "Flags", base.HEX),
    app     = ProtoField.uint32("nslab.app", "App ID", base.DEC),
    seq     = ProtoField.uint32("nslab.seq", "Sequence Number", base.DEC),
    len     = ProtoField.uint32("nslab.len", "Message Length", base.DEC,
                                nil, nil, "Total length including the 24-byte header"),
    -- Shown as "<s>.<9 digits> seconds"; filter with e.g. nslab.sent > 1.5
    sent    = ProtoField.relative_time("nslab.sent", "Send Time",
                                       "Simulated time at which the app sent the message"),
    sent_ns = ProtoField.int64("nslab.sent_ns", "Send Time (ns)", base.DEC),
    payload = ProtoField.bytes("nslab.payload", "Padding",
                               base.NONE, "Zero padding after the header (len - 24 bytes)"),
    pad_len = ProtoField.uint32("nslab.payload_len", "Padding Length", base.DEC),
    text    = ProtoField.string("nslab.text", "Text", base.UNICODE,
                                "A text message (flags 0x01) as the scenario's messages key gave it"),
    -- TCP only: bytes not starting with a header -- the tail of a message
    -- whose start is missing from the capture or, with TCP reassembly
    -- disabled, a header split across segments.
    cont    = ProtoField.bytes("nslab.continuation", "Unaligned Data", base.NONE,
                               "Tail of a message whose start was not captured"),
}
nslab.fields = { pf.magic, pf.version, pf.flags, pf.app, pf.seq, pf.len,
                 pf.sent, pf.sent_ns, pf.payload, pf.pad_len, pf.text, pf.cont }

local ef_len_mismatch = ProtoExpert.new("nslab.len_mismatch",
    "nslab length field does not match the UDP payload length",
    expert.group.MALFORMED, expert.severity.WARN)
nslab.experts = { ef_len_mismatch }

nslab.prefs.ports = Pref.range("UDP/TCP ports", "5000-6999",
    "UDP and TCP ports decoded as nslab (the heuristic finds nslab on other ports too)",
    65535)

-- Used to recognise segments of a TCP stream already known to carry nslab.
local f_tcp_stream = Field.new("tcp.stream")
local nslab_tcp_streams = {}

function nslab.init()
    nslab_tcp_streams = {}
end

----------------------------------------------------------------------------
-- Helpers
----------------------------------------------------------------------------

-- True if a plausible header starts at `offset`: magic, version and
-- len >= 24 (needs 16 captured bytes).  With `partial_ok`, fewer than 16
-- bytes left that match the start of a header ("N", "NS", "NS\1..") also
-- count: a header cut by the end of a TCP segment.
local function header_at(tvb, offset, partial_ok)
    local avail = tvb:len() - offset
    if avail < 16 then
        if not partial_ok or avail <= 0 then
            return false
        end
        local n = math.min(avail, #MAGIC_STR)
        return tvb:raw(offset, n) == MAGIC_STR:sub(1, n)
    end
    return tvb:raw(offset, #MAGIC_STR) == MAGIC_STR
       and tvb(offset + 12, 4):uint() >= HDR_LEN
end

-- Offset of the first plausible header at or after `from`, or nil.  With
-- `partial_ok`, a header cut by the end of the buffer counts too.
local function find_header(tvb, from, partial_ok)
    local avail = tvb:len() - from
    if avail <= 0 then
        return nil
    end
    local raw = tvb:raw(from, avail)
    local pos = 1
    while true do
        local i = raw:find(MAGIC_STR, pos, true)
        if not i then
            break
        end
        if header_at(tvb, from + i - 1, partial_ok) then
            return from + i - 1
        end
        pos = i + 1
    end
    -- The buffer may end inside the magic itself ("N" or "NS").
    if partial_ok then
        for k = #MAGIC_STR - 1, 1, -1 do
            if avail >= k and raw:sub(-k) == MAGIC_STR:sub(1, k) then
                return from + avail - k
            end
        end
    end
    return nil
end

-- Int64 nanoseconds -> "S.NNNNNNNNN" (also for negative values).
local function ns_to_string(ns)
    local sign = ""
    if ns < Int64(0) then
        sign, ns = "-", -ns
    end
    return string.format("%s%s.%09d", sign, tostring(ns / NS_PER_S),
                         (ns % NS_PER_S):tonumber())
end

-- Int64 nanoseconds -> NSTime (C-style truncating division keeps the sign
-- of secs and nsecs consistent, which is what NSTime expects).
local function ns_to_nstime(ns)
    return NSTime((ns / NS_PER_S):tonumber(), (ns % NS_PER_S):tonumber())
end

-- Protocol column + Info for one message.  For TCP, one segment can carry
-- many messages and TCP may call us twice per frame (a reassembled message,
-- then the rest of the segment), so the per-frame message count lives in
-- pinfo.private (which is fresh for every dissection of a frame).  Each
-- listed entry is fenced so the "(+N more)" tail can be rewritten.
local function add_info(pinfo, h, is_udp)
    local n = (tonumber(pinfo.private.nslab_msgs) or 0) + 1
    pinfo.private.nslab_msgs = tostring(n)
    pinfo.cols.protocol:set("nslab")
    local entry = string.format("seq=%u sent=%ss app=%u len=%u", h.seq,
                                h.sent and ns_to_string(h.sent) or "?", h.app, h.len)
    if h.text then
        entry = entry .. string.format(" '%s'", h.text)
    end
    if n == 1 and is_udp then
        pinfo.cols.info:set("nslab " .. entry)
        pinfo.cols.info:fence()
    elseif n == 1 then
        -- After TCP's own Info (ports, flags, Seq/Ack): a FIN or a
        -- retransmission must stay visible in the packet list.
        pinfo.cols.info:append(" | nslab " .. entry)
        pinfo.cols.info:fence()
    elseif n <= INFO_MAX_LISTED then
        pinfo.cols.info:append(" | " .. entry)
        pinfo.cols.info:fence()
    else
        pinfo.cols.info:set(string.format(" | (+%d more)", n - INFO_MAX_LISTED))
    end
end

----------------------------------------------------------------------------
-- One message (a UDP datagram, or one reassembled TCP PDU)
----------------------------------------------------------------------------

-- `tvb` starts with a header (checked by the caller: at least magic..len
-- are captured).  Returns the number of bytes consumed.
--
-- Only bytes actually present in `tvb` are touched: with TCP reassembly
-- disabled (tcp.desegment_tcp_streams:FALSE) or a capture snaplen,
-- dissect_tcp_pdus hands over a message cut short, possibly even inside the
-- header; reading past the captured bytes would raise a Lua error.
local function dissect_message(tvb, pinfo, tree, is_udp)
    local cap = tvb:len()
    local h = {
        app  = tvb(4, 4):uint(),
        seq  = tvb(8, 4):uint(),
        len  = tvb(12, 4):uint(),
    }
    local msg_len = math.min(h.len, tvb:reported_len())

    local t = tree:add(nslab, tvb(0, math.min(msg_len, cap)))
    t:append_text(string.format(", App: %u, Seq: %u, Len: %u", h.app, h.seq, h.len))
    t:add(pf.magic,   tvb(0, 2))
    t:add(pf.version, tvb(2, 1))
    t:add(pf.flags,   tvb(3, 1))
    t:add(pf.app,     tvb(4, 4))
    t:add(pf.seq,     tvb(8, 4))
    local len_item = t:add(pf.len, tvb(12, 4))
    if cap >= HDR_LEN then
        h.sent = tvb(16, 8):int64()
        t:add(pf.sent,    tvb(16, 8), ns_to_nstime(h.sent))
        t:add(pf.sent_ns, tvb(16, 8))
    end

    local pad = math.min(msg_len, cap) - HDR_LEN
    local is_text = bit32.band(tvb(3, 1):uint(), 0x01) ~= 0
    if pad > 0 and is_text then
        h.text = tvb(HDR_LEN, pad):string(ENC_UTF_8)
        t:add(pf.text, tvb(HDR_LEN, pad), h.text)
    elseif pad > 0 then
        t:add(pf.payload, tvb(HDR_LEN, pad))
    end
    t:add(pf.pad_len, math.max(h.len - HDR_LEN, 0)):set_generated()
    if cap < msg_len then
        t:append_text(string.format(" [only %d of %d bytes present]", cap, msg_len))
    end

    if is_udp and h.len ~= tvb:reported_len() then
        len_item:add_proto_expert_info(ef_len_mismatch,
            string.format("nslab length %u != UDP payload length %u",
                          h.len, tvb:reported_len()))
    end

    add_info(pinfo, h, is_udp)
    return msg_len
end

----------------------------------------------------------------------------
-- UDP
----------------------------------------------------------------------------

local function udp_is_nslab(tvb)
    return tvb:len() >= HDR_LEN and header_at(tvb, 0)
end

-- Port-table entry: anything with a valid header is decoded (a length
-- mismatch is flagged); otherwise return 0 so other dissectors/data get it.
local function dissect_udp(tvb, pinfo, tree)
    if not udp_is_nslab(tvb) then
        return 0
    end
    dissect_message(tvb, pinfo, tree, true)
    return tvb:reported_len()
end

-- Heuristic: stricter, the length field must equal the datagram size.
local function heur_udp(tvb, pinfo, tree)
    if not udp_is_nslab(tvb) or tvb(12, 4):uint() ~= tvb:reported_len() then
        return false
    end
    dissect_udp(tvb, pinfo, tree)
    return true
end

----------------------------------------------------------------------------
-- TCP
----------------------------------------------------------------------------

-- get_len for dissect_tcp_pdus.  We pass it a fixed (minimum) length of 1,
-- not 24, because the "PDUs" it returns are not always messages:
--  * a header at `offset`: the message length (>= 24 by header_at);
--  * a header cut by the end of the data: 0 = "give me one more segment"
--    (only allowed while TCP can reassemble; otherwise the stub is
--    returned as-is and shown as a partial header);
--  * anything else means a segment before this one is missing from the
--    capture, so we are inside a message: the "PDU" is the run of bytes up
--    to the next header (or the whole rest), which dissect_tcp_pdus then
--    resynchronises on.  Such a run can be shorter than 24 bytes, and
--    dissect_tcp_pdus reports any length below its fixed length as a
--    malformed packet, hence the fixed length of 1.
local function tcp_get_len(tvb, pinfo, offset)
    if header_at(tvb, offset) then
        return tvb(offset + 12, 4):uint()
    end
    local avail = tvb:len() - offset
    if header_at(tvb, offset, true) then
        if pinfo.can_desegment > 0 then
            return 0
        end
        return avail
    end
    local nxt = find_header(tvb, offset + 1, true)
    if nxt then
        return nxt - offset
    end
    return tvb:reported_len() - offset
end

local function tcp_dissect_pdu(tvb, pinfo, tree)
    if header_at(tvb, 0) then
        return dissect_message(tvb, pinfo, tree, false)
    end
    local what
    if header_at(tvb, 0, true) then
        -- only with TCP reassembly disabled (see tcp_get_len)
        what = "partial header, rest is in the next segment"
    else
        what = "continuation, message start not captured"
    end
    local t = tree:add(nslab, tvb())
    t:append_text(string.format(" [%s: %d bytes]", what, tvb:len()))
    t:add(pf.cont, tvb())
    pinfo.cols.protocol:set("nslab")
    if pinfo.private.nslab_msgs == nil then
        -- nothing listed yet: say what this is, after TCP's own text
        pinfo.private.nslab_msgs = "0"
        pinfo.cols.info:append(" | nslab [" .. what .. "]")
        pinfo.cols.info:fence()
    end
    return tvb:reported_len()
end

local function current_tcp_stream()
    local fi = f_tcp_stream()
    return fi and fi.value
end

-- Port-table / conversation entry.
local function dissect_tcp(tvb, pinfo, tree)
    local stream = current_tcp_stream()
    -- Claim the data if it starts with a header (possibly cut by the end
    -- of the segment, but at least magic + version), or else -- usually
    -- because a segment is missing from the capture -- if a complete header
    -- follows in this segment or the stream is known to carry nslab.
    -- Otherwise it is not ours: return 0 so Wireshark falls back.
    local starts_with_header = tvb:len() >= #MAGIC_STR and header_at(tvb, 0, true)
    if not starts_with_header and not find_header(tvb, 0)
       and not (stream and nslab_tcp_streams[stream]) then
        return 0
    end
    if stream then
        nslab_tcp_streams[stream] = true
    end
    -- fixed length 1, not 24: see tcp_get_len
    dissect_tcp_pdus(tvb, tree, 1, tcp_get_len, tcp_dissect_pdu)
    return tvb:len()
end

local function heur_tcp(tvb, pinfo, tree)
    if not header_at(tvb, 0) then
        return false
    end
    -- Let the rest of this connection (continuation segments, which do not
    -- start with a header) come straight to us.
    pinfo.conversation = nslab
    dissect_tcp(tvb, pinfo, tree)
    return true
end

-- port_type values of Wireshark 4.0's enum port_type (epan/address.h).
local PT_TCP, PT_UDP = 2, 3

-- One Proto has one dissector function, used by both port tables, the TCP
-- conversation set by heur_tcp and "Decode As": dispatch on the transport.
function nslab.dissector(tvb, pinfo, tree)
    if pinfo.port_type == PT_UDP then
        return dissect_udp(tvb, pinfo, tree)
    elseif pinfo.port_type == PT_TCP then
        return dissect_tcp(tvb, pinfo, tree)
    end
    return 0
end

----------------------------------------------------------------------------
-- Registration
----------------------------------------------------------------------------

nslab:register_heuristic("udp", heur_udp)
nslab:register_heuristic("tcp", heur_tcp)

-- (Re)register the port range; called at load time and whenever
-- preferences change (after -o on the command line, or in the GUI).
-- Adding a port to "tcp.port"/"udp.port" replaces its previous owner (RSL,
-- X11, ...), so remember those and put them back when a port leaves the range.
local port_tables = { DissectorTable.get("udp.port"), DissectorTable.get("tcp.port") }
local displaced = { {}, {} }   -- [table index][port] = previous Dissector
local registered = {}          -- [port] = true while nslab owns it

-- "5000-5010,6000" -> { [5000] = true, ..., [6000] = true }
local function parse_ranges(str)
    local set = {}
    for part in string.gmatch(str, "[^,%s]+") do
        local a, b = part:match("^(%d+)-(%d+)$")
        a = tonumber(a or part)
        b = tonumber(b or part)
        if a and b then
            for port = math.max(a, 1), math.min(b, 65535) do
                set[port] = true
            end
        end
    end
    return set
end

local function register_ports()
    local wanted = parse_ranges(nslab.prefs.ports)
    for port in pairs(registered) do
        if not wanted[port] then
            for i, dt in ipairs(port_tables) do
                dt:remove(port, nslab)
                if displaced[i][port] then
                    dt:add(port, displaced[i][port])
                    displaced[i][port] = nil
                end
            end
            registered[port] = nil
        end
    end
    for port in pairs(wanted) do
        if not registered[port] then
            for i, dt in ipairs(port_tables) do
                displaced[i][port] = dt:get_dissector(port)
                dt:add(port, nslab)
            end
            registered[port] = true
        end
    end
end

nslab.prefs_changed = register_ports
register_ports()
