// libFuzzer target: any bytes as a capture file, through everything
// `nslab analyze` does with one (tables, JSON, ladder of the biggest TCP flow,
// lost frames against itself is left out: it reads files by name).
// Build and run with fuzz/run.sh.
#include "trace.h"

#include <cstddef>
#include <cstdint>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace nslab::trace;
    try
    {
        Trace first = AnalyzeBuffer(data, size, "fuzz");
        ReportText(first.report);
        ReportJson(first.report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        uint32_t flow = SelectFlow(first.report, "");
        if (flow)
        {
            Trace trace = AnalyzeBuffer(data, size, "fuzz", TraceOptions{flow});
            const Flow& f = trace.report.flows.at(flow - 1);
            LadderText(f, trace.segments, 0);
            LadderSvg(f, trace.segments, 0);
        }
    }
    catch (const TraceInputError&)
    {
        // Not a capture, or an unsupported link type: the clear error nslab analyze prints.
    }
    return 0;
}
