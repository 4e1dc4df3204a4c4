#ifndef NSLAB_ICMP_APPS_H
#define NSLAB_ICMP_APPS_H

#include "runner.h"

#include "icmp-echo-app.h"

#include <nlohmann/json.hpp>

#include <ostream>

namespace nslab
{

/** \brief Data bytes of a traceroute probe: 32, so that an IPv4 probe is 60 bytes, as Linux traceroute's. */
inline constexpr uint32_t kTracerouteData = 32;

/**
 * \brief Create the PingApp or TracerouteApp of a ping or traceroute spec on
 * its node, aimed at the peer's address in the app's IP version; its
 * identifier is the app id.
 */
ns3::Ptr<IcmpEchoApp> CreateIcmpApp(const AppSpec& spec, uint32_t id, const Topology& topology,
                                    const Scenario& scenario);

/** \brief Copy what a ping or traceroute recorded into its report (endpoint, counts, replies, hops). */
void CollectIcmpApp(const IcmpEchoApp& app, const Topology& topology, AppReport& report);

/** \brief Add the summary.json fields of a ping or traceroute after name, type, node, start and stop. */
void AddIcmpJson(nlohmann::ordered_json& j, const RunReport& report, const AppReport& app);

/** \brief Write the text summary lines of a ping (as iputils' ping ends) or a traceroute (as traceroute prints). */
void IcmpText(std::ostream& out, const RunReport& report, const AppReport& app);

} // namespace nslab

#endif
