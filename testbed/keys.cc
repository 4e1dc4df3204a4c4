#include "keys.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace nslab
{

namespace
{

const std::vector<std::string> kLinkKinds{"ethernet", "p2p", "wifi"};
const std::vector<std::string> kAppKinds{"tcp-client", "tcp-server", "udp-client", "udp-server",
                                         "ping",       "traceroute", "process"};

/*
 * The rows: name, kinds, unit, range, default, help[, min, max, rangeError].
 * The text is markdown, as docs/scenario-format.md shows it (`nslab keys
 * --update-docs docs/scenario-format.md` writes it there).
 */
const std::vector<KeyDef> kKeys{
    // Global keys: the file's first lines, before any section.
    {"name", {"global"}, R"k(letters, digits, `_`, `-`, `.`; the first a letter or digit (so `..` and `.x` are refused))k", R"k(non-empty)k", R"k(the file name without `.ini` (if that breaks the rule, e.g. a space or a leading `_`, loading fails with `FILE: name: ...`: add a `name` key))k", R"k(scenario name; names the default results folder `results/<name>/`)k"},
    {"duration", {"global"}, R"k([time](#units))k", R"k(> 0)k", R"k(`10s`)k", R"k(simulated time of the run; everything stops then)k"},
    {"seed", {"global"}, R"k(whole number)k", R"k(1..4294944442 (ns-3's generator refuses seeds from its modulus 4294944443 on))k", R"k(`1`)k", R"k(random seed (ns-3 `RngSeedManager` seed); `nslab run --seed N` is the same as `--set seed=N`)k", 1, 4294944442, "a seed is between 1 and 4294944442"},
    {"run", {"global"}, R"k(whole number)k", R"k(1..4294967295)k", R"k(`1`)k", R"k(replication number (ns-3 run number): another run gives other random outcomes from the same seed; `nslab run --run N` is the same as `--set run=N`)k", 1, 4294967295, "a run is between 1 and 4294967295"},
    {"bin", {"global"}, R"k([time](#units))k", R"k(1ms..`duration`; the file has ⌈`duration` / `bin`⌉ rows per app, at most 1000000 (a longer run needs a wider `bin`: `duration: 1000000s in bins of 100ms would make more than 1000000 rows of throughput per app: set bin = 1s or more`))k", R"k(`100ms`)k", R"k(width of the time bins of every app's `<app>.throughput.csv` (see [measurements](measurements.md#csv-files)))k"},
    {"ip", {"global"}, R"k(—)k", R"k(`v4`, `v6`, `dual` (lower case))k", R"k(`v4`)k", R"k(the IP versions every host speaks: `v4`, `v6`, or `dual` (both); see [IP versions](#ip-versions-ipv4-ipv6-and-dual-stack))k"},
    {"capture", {"global"}, R"k(—)k", R"k(`full`, `headers`, `none`)k", R"k(`full`)k", R"k(what the pcaps keep ([captures](#captures-capture)): `full` (every frame whole), `headers` (the first 128 bytes of every frame, as `tcpdump -s 128`), `none` (no pcap); a link's or a node's `capture` wins)k"},
    {"include", {"global"}, R"k(paths separated by blanks, relative to this file's folder)k", R"k(readable scenario files; no cycle; at most 16 deep; not from `--set`)k", R"k(—)k", R"k(files to read first, whose links, nodes and apps this file adds to and overrides ([includes and topology files](#includes-and-topology-files)))k"},
    {"routing", {"global"}, R"k(—)k", R"k(`static`, `fixed`, `rip`)k", R"k(`static`)k", R"k(how routers find their routes ([routing that reacts](#routing-static-fixed-and-rip)): `static`: shortest paths computed by nslab, computed again whenever a link goes down or up (a perfect routing oracle, converged at once); `fixed`: the same routes, computed once as the run starts and never again (a network configured by hand: a failed link's routes are gone, nothing replaces them); `rip`: ns-3's RIPv2 (IPv4) and RIPng (IPv6) on every node of two or more links, hosts with a default route to their link's router; it converges in update rounds (see `rip_update`))k"},
    {"rip_update", {"global"}, R"k([time](#units))k", R"k(100ms..300s)k", R"k(`30s` (RFC 2453))k", R"k(`routing = rip`: the period of unsolicited updates (ns-3's `UnsolicitedRoutingUpdate`); triggered updates follow a change within 1 to 5 s)k"},
    {"rip_timeout", {"global"}, R"k([time](#units))k", R"k(100ms..1800s, more than `rip_update`)k", R"k(`180s` (RFC 2453))k", R"k(`routing = rip`: a route not refreshed for this long is invalid (ns-3's `TimeoutDelay`); a failed link's routes also go at once, when its interface goes down)k"},
    {"rip_garbage", {"global"}, R"k([time](#units))k", R"k(100ms..1800s)k", R"k(`120s` (RFC 2453))k", R"k(`routing = rip`: how long an invalid route is still advertised with metric 16 before it is deleted (ns-3's `GarbageCollectionDelay`))k"},
    // Node keys ([node.NAME]).
    {"capture", {"node"}, R"k(—)k", R"k(`full`, `headers`, `none`)k", R"k(the `capture` of each link)k",
     R"k(what the pcaps of all of this node's interfaces keep, over the link's `capture` ([captures](#captures-capture)))k"},
    {"forward_groups", {"node"}, R"k(groups separated by blanks, e.g. `239.1.1.1 ff15::1`)k",
     R"k(each a group (`224.0.0.0/4` but not `224.0.0.0/24`, or `ff00::/8` of scope 3..14) of an IP version the scenario has; the node is on two or more links)k",
     R"k(— (the node forwards no group))k",
     R"k(the multicast groups this router forwards between its links ([multicast](#multicast-group-and-forward_groups)))k"},
    {"position", {"node"}, R"k(`X,Y` or `X,Y,Z`, metres, e.g. `30,0` or `-5,2.5,1`)k", R"k(each −100000..100000; not with `waypoints`; the node is on a WiFi link)k", R"k(— (the cell's circle: access point at 0,0, stations at `distance`))k", R"k(where the node's radio is, in every cell it is in ([positions and movement](#positions-and-movement)))k"},
    {"waypoints", {"node"}, R"k(`TIME:X,Y[,Z]` separated by blanks, e.g. `0s:5,0 20s:400,0`)k", R"k(times ascending, each < 1000000s; coordinates as for `position`; not with `position`; the node is on a WiFi link)k", R"k(—)k", R"k(the node moves in straight lines at constant speed from each waypoint to the next, and stays at the last; before the first it is at the first ([positions and movement](#positions-and-movement)))k"},
    // Link keys ([link.NAME]) and direction keys ([link.NAME.FROM->TO]).
    {"type", {"ethernet", "p2p", "wifi"}, R"k(—)k", R"k(`ethernet`, `p2p`, `wifi`)k", R"k(required)k", R"k(`ethernet`: switched full-duplex Ethernet, any number of nodes: two nodes are joined by one cable, more are each cabled to a learning switch (see `medium`). `p2p`: a full-duplex point-to-point wire (PPP framing). `wifi`: one access point and its stations.)k"},
    {"ap", {"wifi"}, R"k(node name (a [range](#node-ranges-and-app-ranges) of one node))k", R"k(not listed in `nodes`)k", R"k(required)k", R"k(wifi only: the access point)k"},
    {"nodes", {"ethernet", "p2p", "wifi"}, R"k(node names separated by blanks (no commas), and [ranges](#node-ranges-and-app-ranges) such as `h[1..50]`)k", R"k(ethernet ≥ 2, p2p exactly 2, wifi ≥ 1; no name twice; a name starts with a letter and has letters, digits, `_`, `-`, at most 64 of them)k", R"k(required)k", R"k(ethernet: the nodes on the LAN; p2p: the two ends; wifi: the stations (not the access point))k"},
    {"rate", {"ethernet", "p2p", "direction"}, R"k([rate](#units))k", R"k(> 0, at most `100Gbps` (ns-3 counts transmission times in whole nanoseconds: faster, a small frame would take none))k", R"k(`100Mbps`)k", R"k(ethernet: bit rate of every cable (each direction), or of the shared medium; p2p: transmit rate of each end. A direction section may give a direction a `rate` of its own. WiFi has no `rate`: the standard and rate control set it.)k"},
    {"medium", {"ethernet"}, R"k(—)k", R"k(`switched`, `shared`)k", R"k(`switched`)k", R"k(ethernet only: `switched`: full-duplex cables with `rate` and `delay` (2 nodes: one cable; more: one cable per node to a store-and-forward learning switch, so host to host crosses two cables); `shared`: one half-duplex segment (ns-3's CSMA, a hub) where all nodes contend, collide and back off ([shared Ethernet](#shared-ethernet-medium--shared)))k"},
    {"standard", {"wifi"}, R"k(—)k", R"k(`802.11a`, `802.11ac`, `802.11ax`, `802.11b`, `802.11g`, `802.11n`)k", R"k(`802.11n`)k", R"k(wifi only: 802.11 standard)k"},
    {"distance", {"wifi"}, R"k([distance](#units))k", R"k(0..100km)k", R"k(`10m`)k", R"k(wifi only: distance from each station to the access point)k"},
    {"retries", {"wifi"}, R"k(whole number)k", R"k(0..15)k", R"k(`6` (ns-3's default of 7 transmissions))k", R"k(wifi only: how often the 802.11 MAC sends a frame again that was not acknowledged: a frame goes out at most 1 + `retries` times (ns-3's `MaxSsrc` and `MaxSlrc` = `retries` + 1). `0`: a frame lost on the air is lost for IP, as on Ethernet. See [WiFi](#wifi-loss-and-retries).)k", 0, 15, "802.11 retries are between 0 and 15"},
    {"rate_control", {"wifi"}, R"k(—)k", R"k(`ideal`, `minstrel`, `constant`; `minstrel` not with `802.11ax`)k", R"k(`ideal`)k", R"k(wifi only: how senders pick their rate ([rate control](#wifi-rate-control)): `ideal` (ns-3's oracle: the best rate for the receiver's last SNR, no probing), `minstrel` (Linux's Minstrel, Minstrel-HT for 802.11n/ac: probes rates and keeps what delivers most), `constant` (always `mode`))k"},
    {"mode", {"wifi"}, R"k(ns-3 mode name, e.g. `HtMcs7`, `OfdmRate54Mbps`)k", R"k(a mode of the standard with one spatial stream: 802.11a `OfdmRate6Mbps`..`OfdmRate54Mbps`, b `DsssRate1Mbps`..`DsssRate11Mbps`, g `ErpOfdmRate6Mbps`..`ErpOfdmRate54Mbps` and the b rates, n `HtMcs0`..`HtMcs7`, ac `VhtMcs0`..`VhtMcs8`, ax `HeMcs0`..`HeMcs11`; only with `rate_control = constant`, which needs it)k", R"k(—)k", R"k(wifi only: the one rate of `rate_control = constant`, for data and control frames)k"},
    {"channel", {"wifi"}, R"k(whole number)k", R"k(1..255; the cells of one channel have the same `standard`)k", R"k(— (a channel of the cell's own))k", R"k(wifi only: cells with the same channel share the air: their frames collide and they defer to each other ([shared channels](#cells-that-share-a-channel)))k", 1, 255, "a channel is numbered 1 to 255"},
    {"mtu", {"ethernet", "p2p", "wifi"}, R"k([size](#units))k", R"k(ethernet, p2p: 68..9000; wifi: 68..2296; with `ip = v6` or `dual` at least 1280 (IPv6's minimum: `mtu: IPv6 needs an MTU of at least 1280 bytes (ip = v6)`); a TCP app whose `mss` comes from the path's MTU needs an MTU of at least 116 (IPv4) or 136 (IPv6), for an MSS of 64)k", R"k(`1500`)k", R"k(IP MTU of every interface on the link)k"},
    {"subnet", {"ethernet", "p2p", "wifi"}, R"k(`A.B.C.D/P`)k", R"k(P in 8..30; no host bits set; a range for hosts (not 0.0.0.0/8, 127.0.0.0/8 loopback, 224.0.0.0/4 multicast or 240.0.0.0/4 reserved); room for every node (2^(32−P) − 2 ≥ nodes, access point included); must not overlap any other link's subnet, defaults included (unless `ip = v6`))k", R"k(links 1 to 254 with at most 254 nodes (access point included): `10.0.<N>.0/24`, N = link number (1 for the first `[link.*]` in the file, counting all types and links with their own subnet); other links: the smallest block their nodes fit in, from 10.1.0.0 on in link order, past the links' own subnets ([interfaces and addresses](#interfaces-and-addresses)))k", R"k(IPv4 prefix of the link (the IPv6 prefix is always `fd00:N::/64`, see [IP versions](#ip-versions-ipv4-ipv6-and-dual-stack)); printed with `ip = v6` too, but unused there: overlaps are then not checked)k"},
    {"capture", {"ethernet", "p2p", "wifi"}, R"k(—)k", R"k(`full`, `headers`, `none`)k", R"k(the global `capture`)k", R"k(what the pcaps of this link's interfaces keep (see the global `capture`); a node's `capture` wins)k"},
    {"state", {"ethernet", "p2p", "wifi"}, R"k(—)k", R"k(`up`, `down`)k", R"k(`up`)k", R"k(`down`: no frame crosses the link and its interfaces are down (routes avoid it); set by an [event](#events) to fail a link and bring it back)k"},
    {"delay", {"ethernet", "p2p", "wifi", "direction"}, R"k([time](#units))k", R"k(≥ 0)k", R"k(`0s`)k", R"k(one-way propagation delay of every frame: of the cable (ethernet; through a switch a frame crosses two cables, 2 × `delay`), of the wire (p2p), or added to the air (wifi) ([delay and jitter](#delay-jitter-and-reordering), [where it is served](#how-links-are-built)))k"},
    {"jitter", {"ethernet", "p2p", "wifi", "direction"}, R"k([time](#units))k", R"k(0..60s)k", R"k(`0s`)k", R"k(spread of the delay, drawn per frame from `distribution`)k"},
    {"distribution", {"ethernet", "p2p", "wifi", "direction"}, R"k(—)k", R"k(`uniform`, `normal`, `pareto`)k", R"k(`uniform`)k", R"k(shape of the jitter: `uniform`: `delay` ± `jitter`; `normal`: standard deviation `jitter`; `pareto`: shape 3, standard deviation `jitter`, mean `delay`)k"},
    {"reorder", {"ethernet", "p2p", "wifi", "direction"}, R"k([boolean](#units))k", R"k(—)k", R"k(`false`)k", R"k(`true`: each frame leaves when its own delay is over, so jitter reorders frames (as netem does); `false`: a frame never leaves before the one sent before it to the same node)k"},
    {"loss", {"ethernet", "p2p", "wifi", "direction"}, R"k([ratio](#units))k", R"k(0..100 %; wifi: loss and `corrupt` together at most 50 % (more stalls the cell), see [WiFi](#wifi-loss-and-retries))k", R"k(`0%`)k", R"k(probability that a frame is lost, drawn per IP frame at the receiving interface; with `loss_burst`, the long-run loss of a Gilbert-Elliott chain ([loss](#loss-loss_burst-and-gilbert)))k"},
    {"loss_burst", {"ethernet", "p2p", "wifi", "direction"}, R"k(number without unit, e.g. `5` or `2.5`)k", R"k(≥ 1, and ≥ `loss` / (1 − `loss`) (p ≤ 1); not with `gilbert`; not with `loss = 100%`)k", R"k(— (losses independent))k", R"k(mean length of a loss burst in frames: turns `loss` into a simple Gilbert-Elliott chain with r = 1 / `loss_burst`, p = `loss` × r / (1 − `loss`). No effect while `loss` is 0.)k"},
    {"gilbert", {"ethernet", "p2p", "wifi", "direction"}, R"k(2 to 4 [ratios](#units) separated by blanks: `P R [1-H [1-K]]`)k", R"k(each 0..100 %; R > 0; not with `loss` or `loss_burst`; wifi: mean loss and `corrupt` together at most 50 %)k", R"k(— (1−h defaults to `100%`, 1−k to `0%`))k", R"k(netem's Gilbert-Elliott model, `loss gemodel p r 1-h 1-k`: p (good → bad), r (bad → good), 1−h (loss in the bad state), 1−k (loss in the good state))k"},
    {"drop", {"ethernet", "p2p", "wifi", "direction"}, R"k(whole numbers separated by blanks, e.g. `20` or `3 7`)k", R"k(each ≥ 1; order and repeats do not matter)k", R"k(—)k", R"k(data frames to drop, counted from 1 per direction at the receiver ([drop list](#drop-list)))k"},
    {"corrupt", {"ethernet", "p2p", "wifi", "direction"}, R"k([ratio](#units))k", R"k(0..100 %; wifi: with the loss, at most 50 %)k", R"k(`0%`)k", R"k(probability that a frame arrives damaged: the receiver drops it)k"},
    {"duplicate", {"ethernet", "p2p", "wifi", "direction"}, R"k([ratio](#units))k", R"k(0..100 %)k", R"k(`0%`)k", R"k(probability that the sender sends a frame twice)k"},
    {"queue", {"ethernet", "p2p", "wifi", "direction"}, R"k(packets or [size](#units))k", R"k(≥ 1 packet or ≥ 1 byte; all the queues of a link (its own and its directions') in one unit)k", R"k(— (1000 packets, frames serving their delay included))k", R"k(what may wait at the sender to be sent ([queue](#queue)): frames that have served their delay and wait for the direction's `rate` or a busy device. A bare number, or one with `p` or `packets` (`30`, `30p`, `30packets`, `30 packets`), is packets; a [size](#units) (`64KB`) is bytes. A frame that finds it full is dropped.)k"},
    // Event keys ([event.NAME]): `at`, then keys as --set writes them.
    {"at", {"event"}, R"k([time](#units))k", R"k(> 0 and < `duration`)k", R"k(required)k", R"k(when the event's keys take their values ([events](#events)))k"},
    // App keys ([app.NAME]), by type.
    {"type", {"tcp-client", "tcp-server", "udp-client", "udp-server", "ping", "traceroute", "process"}, R"k(—)k", R"k(the seven types)k", R"k(required)k", R"k(`tcp-client` (connect, send `bytes`, `messages` or a message every `interval`, close), `tcp-server` (listen, accept, read), `udp-client` (send datagrams), `udp-server` (receive datagrams), `ping` (ICMP echo requests, timed as iputils' `ping` does), `traceroute` (echo requests with a growing TTL); see [ping and traceroute](#ping-and-traceroute); `process` (a real program, see [real programs](#real-programs-type--process)))k"},
    {"node", {"tcp-client", "tcp-server", "udp-client", "udp-server", "ping", "traceroute", "process"}, R"k(node name, or a [range](#node-ranges-and-app-ranges) of them: one app per node)k", R"k(a node of some link (`nodes` or `ap`); per node and transport at most 16384 clients, fewer by the servers listening on 49152..65535 (each takes one of ns-3's ephemeral ports 49152..65535; with none left a client could never connect))k", R"k(required)k", R"k(node that runs the app)k"},
    {"peer", {"tcp-client", "udp-client", "ping", "traceroute"}, R"k(`NODE:PORT`, `NODE.IFACE:PORT`, `ADDRESS:PORT` (`[ADDRESS]:PORT` for IPv6); udp-client also `broadcast:PORT` and `GROUP:PORT`; `ping` and `traceroute`: `NODE`, `NODE.IFACE` or an address (ICMP has no ports))k", R"k(known node and interface, or an interface's address, joined to `node` by a chain of links (or `node` itself); a broadcast address of a link of `node`; a group (`224.0.0.0/4` but not `224.0.0.0/24`, or `ff00::/8` of scope 3..14); port 1..65535)k", R"k(required)k", R"k(where to send: see [peers](#peers))k"},
    {"ip", {"tcp-client", "udp-client", "ping", "traceroute"}, R"k(`v4`, `v6`)k", R"k(a version the scenario has: `v4` needs `ip = v4` or `dual`, `v6` needs `ip = v6` or `dual`; not `dual`; the version of an address `peer` or `bind` gives)k", R"k(the version of `peer`'s or else `bind`'s address; else the scenario's `ip`, `v6` when it is `dual` (getaddrinfo prefers IPv6))k", R"k(the IP version the client connects or sends over ([IP versions](#ip-versions-ipv4-ipv6-and-dual-stack)))k"},
    {"bind", {"tcp-client", "udp-client"}, R"k(`NODE.IFACE` or an address of it)k", R"k(an interface of the client's own `node`)k", R"k(— (routed by destination, from the outgoing interface's address))k", R"k(the interface the client's socket is bound to, as `bind()` with one of the node's addresses plus `SO_BINDTODEVICE`: it sends through that interface, from its address ([bind and sport](#bind-and-sport)))k"},
    {"sport", {"tcp-client", "udp-client"}, R"k(whole number)k", R"k(1..65535; not the port of another socket of the node and transport: a server's `port` or another client's `sport`)k", R"k(— (an ephemeral port, 49152..65535))k", R"k(source port: the port `bind()` takes ([bind and sport](#bind-and-sport)))k", 1, 65535, "port {value} is outside 1..65535 (without sport, the client gets an ephemeral port)"},
    {"port", {"tcp-server", "udp-server"}, R"k(whole number)k", R"k(1..65535; one server per node, transport and port (a TCP and a UDP server may share a port))k", R"k(required)k", R"k(port the server binds (on all its addresses))k", 1, 65535, "port {value} is outside 1..65535"},
    {"group", {"udp-server"}, R"k(groups separated by blanks, e.g. `239.1.1.1 ff15::1`)k", R"k(each a group as for `peer`, of an IP version the scenario has; repeats are dropped)k", R"k(— (no group: unicast and broadcast only))k", R"k(multicast groups the server joins (`IP_ADD_MEMBERSHIP`, on all its interfaces): it receives what clients send to them on its `port` ([multicast](#multicast-group-and-forward_groups)))k"},
    {"bytes", {"tcp-client"}, R"k([size](#units))k", R"k(≥ 24 (≥ 1 with `raw = true`); not together with `messages`, nor with `size`, `interval`, `rate` or `count` ([paced TCP](#paced-tcp)))k", R"k(`1000000` (1 MB); with `messages`, their total size)k", R"k(bytes to send, nslab headers included)k"},
    {"size", {"tcp-client", "udp-client"}, R"k([size](#units))k", R"k(udp-client 24..65507, tcp-client 24..16MiB (from 1 with `raw = true`); not together with `messages`)k", R"k(`1000`)k", R"k(udp-client: UDP payload per datagram, nslab header included (IP fragments what exceeds `mtu` − 28 over IPv4, `mtu` − 48 over IPv6; see [fragmentation](#segmentation-and-fragmentation)). tcp-client: makes it [paced](#paced-tcp); bytes per message, header included)k"},
    {"interval", {"tcp-client", "udp-client"}, R"k([time](#units))k", R"k(> 0; not together with `rate`; at most 10000000 datagrams or messages per client, and per scenario for all clients together: (min(`stop`, `duration`) − `start`) / `interval` + 1, or `count` if smaller)k", R"k(`100ms`)k", R"k(time between datagrams, or (tcp-client, [paced](#paced-tcp)) between messages; with `messages`, between texts)k"},
    {"rate", {"tcp-client", "udp-client"}, R"k([rate](#units))k", R"k(> 0, at most `100Gbps`; not together with `interval` or `messages`)k", R"k(— (`interval` applies))k", R"k(sending rate of UDP payload, or (tcp-client, [paced](#paced-tcp)) of messages; sets `interval` = `size` × 8 / `rate`, rounded up to whole ns (headers of TCP or UDP, IP and the link come on top on the wire))k"},
    {"count", {"tcp-client", "udp-client"}, R"k(whole number)k", R"k(≥ 0 (see the 10000000 limit under `interval`); not together with `messages`)k", R"k(`0`; with `messages`, their number)k", R"k(datagrams, or (tcp-client, [paced](#paced-tcp)) messages to send; `0`: until `stop`)k"},
    {"messages", {"tcp-client", "udp-client"}, R"k(words separated by blanks, or `"quoted phrases"`)k", R"k(each text ≥ 1 byte (`""` is refused); udp-client: at most 65483 bytes each (65507 with the header, or with `raw = true`); at most 200000 texts and 16 MiB in all per client, and the same for all clients of the scenario together (each is a packet and a line of `summary.json`); not together with `bytes`, `size`, `count` or `rate`)k", R"k(— (padding))k", R"k(texts to send instead of padding, one nslab message (TCP) or datagram (UDP) each; see [messages, echo and round trips](#messages-echo-and-round-trips))k"},
    {"raw", {"tcp-client", "udp-client"}, R"k([boolean](#units))k", R"k(not with `rtt = true`; the clients of one server all set it or none does)k", R"k(`false`)k", R"k(send without nslab's header: the texts alone, or zeros, as the lesson's client does ([byte streams](#byte-streams-raw-clients-and-recv_size)); the server then counts bytes (and datagrams), not messages)k"},
    {"rtt", {"tcp-client", "udp-client"}, R"k([boolean](#units))k", R"k(`true` needs a server of the same transport with `echo = true` at `peer`'s node and port)k", R"k(`false`)k", R"k(read what the server sends back and report round-trip times)k"},
    {"echo", {"tcp-server", "udp-server"}, R"k([boolean](#units))k", R"k(—)k", R"k(`false`)k", R"k(send every message back to its sender)k"},
    {"recv_size", {"tcp-server"}, R"k([size](#units))k", R"k(1B..16MiB)k", R"k(`64KiB` (65536))k", R"k(bytes each `recv()` call asks for: the server reads as a program calling `recv(recv_size)` whenever data has arrived ([byte streams](#byte-streams-raw-clients-and-recv_size)))k"},
    {"count", {"ping"}, R"k(whole number)k", R"k(≥ 0; at most 10000000 per ping and, with the UDP clients' datagrams, per scenario: (min(`stop`, `duration`) − `start`) / `interval` + 1, or `count` if smaller)k", R"k(`0`)k", R"k(echo requests to send (iputils' `-c`); `0`: one every `interval` until `stop`, as iputils' `ping` goes on until interrupted)k"},
    {"interval", {"ping"}, R"k([time](#units))k", R"k(> 0)k", R"k(`1s`)k", R"k(time between echo requests (iputils' `-i`))k"},
    {"size", {"ping"}, R"k([size](#units))k", R"k(0..65507)k", R"k(`56B`)k", R"k(data bytes of each echo request after the 8-byte ICMP header (iputils' `-s`): 56 makes an IPv4 packet of 84 bytes, an IPv6 one of 104; IP fragments what exceeds `mtu` − 28 (IPv4) or `mtu` − 48 (IPv6))k"},
    {"max_hops", {"traceroute"}, R"k(whole number)k", R"k(1..255)k", R"k(`30`)k", R"k(the largest TTL (IPv6: hop limit) probed (traceroute's `-m`))k", 1, 255, "a traceroute probes 1 to 255 hops (a TTL is at most 255)"},
    {"probes", {"traceroute"}, R"k(whole number)k", R"k(1..10)k", R"k(`3`)k", R"k(probes per TTL (traceroute's `-q`))k", 1, 10, "a traceroute sends 1 to 10 probes per hop"},
    {"command", {"process"}, R"k(words)k", R"k(the program is found as `execvp` finds it: a word with `/` is a path (relative to `dir`), else it is looked up in `PATH`; an executable regular file)k", R"k(required)k", R"k(the program and its arguments, split into words as a POSIX shell splits them (blanks; `'...'`; `"..."` with `\` before `\ " $ \``; `\` outside quotes), but run without a shell: nothing is expanded (`$HOME`, `*`, `~`, `;`, `|` stay as written). `{NODE}` and `{NODE.IFACE}` are replaced by that node's (first) or interface's address in the app's `ip` version; `{{` and `}}` are literal braces)k"},
    {"ip", {"process"}, R"k(`v4`, `v6`)k", R"k(a version the scenario has)k", R"k(`v6` if the scenario's `ip` is `v6`, else `v4`)k", R"k(the IP version of the addresses `{NODE}` stands for)k"},
    {"env", {"process"}, R"k(words)k", R"k(each `NAME=VALUE`, NAME of letters, digits and `_`, not starting with a digit)k", R"k(— (nslab's environment, plus `PYTHONUNBUFFERED=1` so that Python's output is not lost in a buffer when the program is stopped; `env` may override it))k", R"k(environment variables added to nslab's own, `NAME=VALUE` words split as `command`)k"},
    {"dir", {"process"}, R"k(path, relative to the scenario file's folder)k", R"k(an existing folder)k", R"k(the scenario file's folder)k", R"k(the program's working folder)k"},
    {"start", {"tcp-client", "tcp-server", "udp-client", "udp-server", "ping", "traceroute", "process"}, R"k([time](#units))k", R"k(< `duration`)k", R"k(clients, `ping` and `traceroute` `1s`, servers and `process` `0s`)k", R"k(when the app starts)k"},
    {"stop", {"tcp-client", "tcp-server", "udp-client", "udp-server", "ping", "traceroute", "process"}, R"k([time](#units))k", R"k(> `start`; later than `duration` is accepted, the run ends at `duration`)k", R"k(`duration`)k", R"k(when the app stops (a client closes its socket, a server closes its connections as `close()` does and stops listening: a client that sends more then gets a RST, [`ECONNRESET`](measurements.md#errors-what-the-socket-calls-return)))k"},
    {"member_of", {"tcp-client", "tcp-server", "udp-client", "udp-server", "ping", "traceroute", "process"}, R"k(app name)k", R"k(a name)k", R"k(— (the range the app came from, if any))k", R"k(the group of apps this one is summed in ([node ranges and app ranges](#node-ranges-and-app-ranges)); the resolved scenario writes it for each app of a range)k"},
    {"buffer", {"tcp-client", "tcp-server", "udp-server"}, R"k([size](#units))k", R"k(1KiB..1GiB)k", R"k(TCP: see [TCP defaults](#tcp-defaults); udp-server: `128KiB` (ns-3's default UDP receive buffer))k", R"k(socket buffer. TCP: send and receive buffer. udp-server: receive buffer (a `udp-client` has no `buffer`: `key 'buffer' does not apply to udp-client apps (...)`).)k"},
    {"mss", {"tcp-client", "tcp-server"}, R"k([size](#units))k", R"k(64..65495; not checked against the path MTU)k", R"k(path MTU − 52 (IPv4) or − 72 (IPv6), see [TCP defaults](#tcp-defaults))k", R"k(TCP segment size; a `tcp-client` also sends its data as messages of at most `mss` bytes)k"},
    {"chunk", {"tcp-client"}, R"k([size](#units))k", R"k(≥ 1 byte, and at most 8192 pieces per segment (⌈`mss` / `chunk`⌉ ≤ 8192): ns-3 joins a segment's pieces recursively, one stack frame each)k", R"k(— (one call per message))k", R"k(bytes the client passes per send call: each message goes to the socket in pieces of at most `chunk` bytes ([what it changes](#tcp-socket-options)))k"},
    {"congestion", {"tcp-client", "tcp-server"}, R"k(name, see [TCP socket options](#tcp-socket-options))k", R"k(`newreno`, `linuxreno`, `cubic`, `bbr`, `bic`, `highspeed`, `htcp`, `hybla`, `illinois`, `ledbat`, `lp`, `scalable`, `vegas`, `veno`, `westwood`, `yeah`)k", R"k(`newreno`)k", R"k(congestion control of the app's socket)k"},
    {"sack", {"tcp-client", "tcp-server"}, R"k([boolean](#units))k", R"k(—)k", R"k(`true`)k", R"k(offer selective acknowledgements (RFC 2018) in the handshake)k"},
    {"delack", {"tcp-client", "tcp-server"}, R"k([boolean](#units))k", R"k(—)k", R"k(`true`)k", R"k(delayed ACKs: acknowledge every second full segment (`true`) or every segment (`false`))k"},
    {"initial_cwnd", {"tcp-client", "tcp-server"}, R"k(segments (whole number))k", R"k(1..1000)k", R"k(`10`)k", R"k(initial congestion window)k", 1, 1000, "an initial window is between 1 and 1000 segments"},
    {"min_rto", {"tcp-client", "tcp-server"}, R"k([time](#units))k", R"k(1ms..60s)k", R"k(`1s`)k", R"k(lower bound of the retransmission timeout)k"},
};

bool
Contains(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

bool
AnyOf(const KeyDef& key, const std::vector<std::string>& kinds)
{
    return std::any_of(kinds.begin(), kinds.end(), [&](const std::string& k) { return Contains(key.kinds, k); });
}

std::string
JoinKeys(const std::vector<std::string>& keys)
{
    std::string out;
    for (const auto& key : keys)
    {
        out += (out.empty() ? "" : ", ") + key;
    }
    return out;
}

/** A cell's text: a '|' would end the cell. */
std::string
Cell(const std::string& text)
{
    std::string out;
    for (char c : text)
    {
        out += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    return out;
}

/** The app types of a row, as the docs say them: "all", "clients", "servers", "TCP", or by name. */
std::string
AppTypesText(const KeyDef& key)
{
    std::vector<std::string> left;
    for (const auto& kind : kAppKinds)
    {
        if (Contains(key.kinds, kind))
        {
            left.push_back(kind);
        }
    }
    if (left.size() == kAppKinds.size())
    {
        return "all";
    }
    std::vector<std::string> words;
    const std::pair<const char*, std::vector<std::string>> groups[]{
        {"TCP", {"tcp-client", "tcp-server"}},
        {"clients", {"tcp-client", "udp-client"}},
        {"servers", {"tcp-server", "udp-server"}},
    };
    for (const auto& [word, members] : groups)
    {
        if (std::all_of(members.begin(), members.end(), [&](const std::string& m) { return Contains(left, m); }))
        {
            words.push_back(word);
            for (const auto& m : members)
            {
                left.erase(std::find(left.begin(), left.end(), m));
            }
        }
    }
    for (const auto& kind : left)
    {
        words.push_back("`" + kind + "`");
    }
    return JoinKeys(words);
}

std::string
KeyTable(const std::vector<std::string>& kinds, bool typesColumn)
{
    std::ostringstream out;
    out << (typesColumn ? "| key | types | meaning | unit | default | range |\n|---|---|---|---|---|---|\n"
                        : "| key | meaning | unit | default | range |\n|---|---|---|---|---|\n");
    for (const auto& key : kKeys)
    {
        if (!AnyOf(key, kinds))
        {
            continue;
        }
        out << "| `" << key.name << "` | ";
        if (typesColumn)
        {
            out << AppTypesText(key) << " | ";
        }
        out << Cell(key.help) << " | " << Cell(key.unit) << " | " << Cell(key.defaultText) << " | "
            << Cell(key.range) << " |\n";
    }
    return out.str();
}

std::string
TypesTable(const std::vector<std::string>& kinds, bool directions)
{
    std::ostringstream out;
    out << "| type | keys |\n|---|---|\n";
    for (const auto& kind : kinds)
    {
        out << "| `" << kind << "` | " << JoinKeys(KeysOf(kind)) << " |\n";
    }
    if (directions)
    {
        out << "| direction sections | " << JoinKeys(KeysOf("direction")) << " |\n";
    }
    return out.str();
}

} // namespace

const std::vector<KeyDef>&
ScenarioKeys()
{
    return kKeys;
}

const std::vector<std::string>&
SectionKinds()
{
    static const std::vector<std::string> kinds{"global",     "node",       "ethernet",   "p2p",
                                                "wifi",       "direction",  "event",      "tcp-client",
                                                "tcp-server", "udp-client", "udp-server", "ping",
                                                "traceroute", "process"};
    return kinds;
}

std::vector<std::string>
KeysOf(const std::string& kind)
{
    std::vector<std::string> keys;
    for (const auto& key : kKeys)
    {
        if (Contains(key.kinds, kind) && !Contains(keys, key.name))
        {
            keys.push_back(key.name);
        }
    }
    return keys;
}

const KeyDef*
FindKey(const std::string& name, const std::string& kind)
{
    for (const auto& key : kKeys)
    {
        if (key.name == name && Contains(key.kinds, kind))
        {
            return &key;
        }
    }
    return nullptr;
}

const std::vector<std::string>&
KeyTableSections()
{
    static const std::vector<std::string> sections{"global", "node", "link-types", "link", "event", "app-types", "app"};
    return sections;
}

std::string
KeyTableMarkdown(const std::string& section)
{
    if (section == "global" || section == "node" || section == "event")
    {
        return KeyTable({section}, false);
    }
    if (section == "link-types")
    {
        return TypesTable(kLinkKinds, true);
    }
    if (section == "link")
    {
        return KeyTable(kLinkKinds, false);
    }
    if (section == "app-types")
    {
        return TypesTable(kAppKinds, false);
    }
    if (section == "app")
    {
        return KeyTable(kAppKinds, true);
    }
    throw std::invalid_argument("unknown key table '" + section + "'; tables: " + JoinKeys(KeyTableSections()));
}

std::string
UpdateKeyTables(const std::string& doc)
{
    const std::string open = "<!-- keys:";
    std::istringstream in(doc);
    std::string out;
    std::string line;
    std::string section; // inside a block: its name
    size_t number = 0;
    while (std::getline(in, line))
    {
        ++number;
        bool marker = line.rfind(open, 0) == 0;
        if (!section.empty())
        {
            if (line == open + section + " end -->")
            {
                out += "\n" + KeyTableMarkdown(section) + "\n" + line + "\n";
                section.clear();
            }
            else if (marker)
            {
                throw std::invalid_argument("line " + std::to_string(number) + ": " + line + " inside keys:" +
                                            section + ", which has no end");
            }
            continue;
        }
        if (marker)
        {
            const std::string begin = " begin -->";
            if (line.size() < open.size() + begin.size() ||
                line.compare(line.size() - begin.size(), begin.size(), begin) != 0)
            {
                throw std::invalid_argument("line " + std::to_string(number) + ": expected <!-- keys:SECTION begin -->");
            }
            section = line.substr(open.size(), line.size() - open.size() - begin.size());
            KeyTableMarkdown(section); // an unknown section throws
        }
        out += line + "\n";
    }
    if (!section.empty())
    {
        throw std::invalid_argument("<!-- keys:" + section + " begin --> has no end");
    }
    if (!doc.empty() && doc.back() != '\n')
    {
        out.pop_back();
    }
    return out;
}

} // namespace nslab
