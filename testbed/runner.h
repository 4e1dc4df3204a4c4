#ifndef NSLAB_RUNNER_H
#define NSLAB_RUNNER_H

#include "real-programs.h"
#include "scenario.h"
#include "traceroute-app.h"
#include "traffic-client.h"
#include "traffic-server.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nslab
{

/** \brief How to run a scenario: where results go, whether to show progress. */
struct RunOptions
{
    std::string outDir;    //!< results folder (created)
    bool progress = false; //!< wall-clock progress on stderr
};

/** \brief What one app recorded during a run, copied out before the simulator is destroyed. */
struct AppReport
{
    const AppSpec* spec = nullptr;
    std::string endpoint; //!< "bob:5000" (server) or "alice -> bob:5000 (10.0.1.2)", "alice.wlan0:40000 -> ..." (client)
    ThroughputSeries throughput;

    // clients
    uint64_t bytesSent = 0;
    uint64_t packetsSent = 0;    //!< datagrams, or TCP messages
    uint64_t sendCalls = 0;      //!< tcp-client: Send() calls that passed data
    bool connected = false;      //!< tcp-client
    bool connectFailed = false;  //!< tcp-client: connect() failed (refused, or no answer to the SYNs)
    SocketError error;           //!< the first error a socket call would have returned
    uint64_t icmpUnreachable = 0; //!< udp-client: ICMP destination unreachable received
    ns3::Time connectStart;      //!< tcp-client
    uint16_t localPort = 0;      //!< the client socket's port: its sport, or the ephemeral one it got
    std::optional<TcpStats> tcp; //!< tcp-client
    std::vector<Reply> replies;  //!< echoes of the client's messages
    std::vector<ns3::Time> messagesSent; //!< text messages, by sequence number
    std::vector<ns3::Time> datagramsSent; //!< udp-client: every datagram, by sequence number

    // servers
    uint64_t bytesReceived = 0;
    uint64_t packetsReceived = 0; //!< datagrams or TCP messages, duplicates included
    uint64_t malformed = 0;
    uint32_t connections = 0;
    ns3::Time firstData;                 //!< arrival of the first data byte
    ns3::Time lastData;                  //!< arrival of the last data byte
    uint64_t firstDataBytes = 0;         //!< bytes of the first arrival
    uint64_t recvCalls = 0;              //!< tcp-server: recv() calls that returned data
    std::vector<Read> reads;             //!< the first reads, with spec->listReads
    std::map<uint32_t, FlowStats> flows; //!< by sending app id (1-based scenario index)
    std::vector<TcpStats> accepted;      //!< tcp-server: each connection, in order

    // ping and traceroute (replies, packetsSent: ping's)
    std::string address;              //!< the peer's address, e.g. "10.0.2.2"
    uint64_t duplicates = 0;          //!< ping: further replies to answered requests
    uint64_t icmpErrors = 0;          //!< ping: ICMP errors about its requests
    std::vector<TracerouteHop> hops;  //!< traceroute: each TTL probed, in order
    bool reached = false;             //!< traceroute: the destination answered

    std::optional<ProcessReport> process; //!< a real program's start, end and exit
};

/** \brief Everything a run produced besides its pcaps. */
struct RunReport
{
    const Scenario* scenario = nullptr;
    std::vector<AppReport> apps;
    std::vector<InterfacePlan> interfaces;
    std::vector<std::optional<bool>> associated; //!< parallel to interfaces: WiFi stations at the end
    std::vector<std::optional<QueueDiscDrops>> queueDiscs; //!< parallel to interfaces, at the end
    std::vector<DirectionCounters> directions;   //!< directions that carried or dropped frames, in link order
    std::map<std::string, HostDrops> hostDrops;  //!< by node: what its IP, ARP and WiFi MAC layers dropped
    std::map<std::string, HostDrops> switchDrops; //!< by link: what the switch of a switched LAN dropped
    std::vector<DropRow> drops; //!< every frame the counters above (and the links' directions, the queue discs) dropped
    uint64_t dropsOmitted = 0;  //!< drops past DropLog::kMaxRows: counted, not in drops
    std::optional<Lateness> realtime; //!< runs with real programs: how far the scheduler fell behind
    bool interrupted = false;         //!< SIGINT or SIGTERM ended a real-time run early
    double wallSeconds = 0; //!< not part of summary.json, which must be reproducible
};

/**
 * \brief Build the scenario's network and apps in ns-3, run it for its
 * duration with one pcap per interface in options.outDir, and collect what
 * every app saw. The simulator is destroyed before it returns.
 */
RunReport RunScenario(const Scenario& scenario, const RunOptions& options);

} // namespace nslab

#endif
