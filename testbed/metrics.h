#ifndef NSLAB_METRICS_H
#define NSLAB_METRICS_H

#include "runner.h"

#include <optional>
#include <vector>

namespace nslab
{

/** \brief A sample of durations summarized: percentiles by the nearest-rank method. */
struct Distribution
{
    uint64_t count = 0;
    double min = 0, mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0; //!< seconds
};

/** \return the summary of values (seconds); all zero for none. */
Distribution Summarize(std::vector<double> values);

/** \brief What a server saw of one sending app: the iperf-style view of a flow. */
struct FlowMetrics
{
    uint32_t app = 0;      //!< sending app's id
    uint64_t received = 0; //!< distinct datagrams or messages
    uint64_t lost = 0;
    uint64_t unresolved = 0; //!< UDP: sent so late that they may still have been on their way
    uint64_t resolved = 0;   //!< UDP: sent early enough for their fate to be known: received by then, or lost
    uint64_t duplicates = 0;
    uint64_t reordered = 0;
    uint64_t lossRuns = 0;     //!< runs of consecutive lost sequence numbers
    double lossRunMean = 0;    //!< their mean length
    Distribution latency;      //!< UDP: every datagram; TCP: min, mean and max only
    double jitter = 0;         //!< UDP: RFC 3550 interarrival jitter, seconds
};

/**
 * \return one FlowMetrics per sending app. UDP loss is counted against what
 * the client sent (not only gaps below the highest sequence number), except
 * for datagrams sent in the last max(1 s, 2 x the flow's highest latency)
 * before the end of the run: those count as unresolved unless they arrived,
 * and the loss ratio is lost / resolved (datagrams sent up to that cutoff).
 */
std::vector<FlowMetrics> FlowsOf(const RunReport& report, const AppReport& server);

/** \return the metrics of all a server's flows together (counts summed, UDP latencies pooled). */
FlowMetrics TotalOf(const RunReport& report, const AppReport& server);

/** \brief A TCP client's transfer as a user would time it. */
struct TransferMetrics
{
    bool completed = false;             //!< every byte acknowledged by the server
    std::optional<double> setup;        //!< connect() to established, seconds
    std::optional<double> completion;   //!< connect() to the last byte acknowledged, seconds
    std::optional<double> goodput;      //!< bytes * 8 / completion, bit/s (none if shorter than a time bin)
    std::string goodputNote;            //!< why a completed transfer has no goodput
};

/** \param bin the run's time bin: a transfer completed in less measures no rate. */
TransferMetrics TransferOf(const AppReport& client, ns3::Time bin);

/** \return the round-trip times of a client's echoed requests. */
Distribution RoundTripsOf(const AppReport& client);

/** \return the server app a client sends to (nullptr if none, or a broadcast or group: see Receives). */
const AppReport* ServerOf(const RunReport& report, const AppReport& client);

/**
 * \return goodput from the first to the last arrival, bit/s: bytes received
 * after the first arrival, duplicates left out, * 8 / (last - first); none
 * when the arrivals span less than one time bin of the run (two 29-byte
 * messages 50 us apart measure no rate). why, if given, then says so.
 */
std::optional<double> ServerGoodput(const AppReport& server, ns3::Time bin, std::string* why = nullptr);

} // namespace nslab

#endif
